"""`flask seed-contacts`: the well-known national emergency numbers (see diaspora.contacts.seed)."""
import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


@click.command("seed-contacts")
@with_appcontext
@unit_of_work()
def seed_contacts():
    """Add the national emergency numbers (112, 911, 999 ...) that are missing; safe to run again."""
    from diaspora.contacts.seed import seed_emergency_numbers

    click.echo(f"Emergency numbers added: {seed_emergency_numbers()}")
