"""`flask seed-demo`: demo data of every feature (associations, an event, offers of help, guides), marked as demo."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from diaspora.unit_of_work import unit_of_work


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the directory already has associations.")
@with_appcontext
@unit_of_work()
def seed_demo(if_empty: bool):
    """Load demo associations (clearly marked as demo) in cities where Kyrgyz compatriots live, with an event,
    offers of help and guides on rights and risks."""
    from diaspora.assistance.demo import seed as seed_offers
    from diaspora.contacts.demo import seed as seed_contacts
    from diaspora.contacts.seed import seed_emergency_numbers
    from diaspora.directory.demo import seed as seed_organizations
    from diaspora.events.demo import seed as seed_events
    from diaspora.extensions import db
    from diaspora.models import Organization

    created = seed_organizations(if_empty=if_empty)
    if created:
        moscow = db.session.scalar(select(Organization.id).where(Organization.city == "Москва",
                                                                 Organization.status == "published"))
        seed_events(moscow)
        seed_offers()
        from diaspora.guides.demo import seed as seed_guides

        seed_guides()
    click.echo(f"Demo associations added: {created}")
    click.echo(f"Demo contacts added: {seed_contacts()} (and emergency numbers: {seed_emergency_numbers()})")
