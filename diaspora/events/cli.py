from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


def _moment(value: str, zone: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO date and time, e.g. 2026-09-15T09:00", param_hint=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


@click.command("create-event")
@click.option("--title", required=True)
@click.option("--starts", required=True, help="ISO 8601; without an offset, in --timezone")
@click.option("--ends", required=True)
@click.option("--capacity", type=click.IntRange(0), required=True)
@click.option("--timezone", "zone", default="Asia/Bishkek", show_default=True)
@click.option("--language", default="ky", show_default=True,
              help="The language of --title: one of CONTENT_LANGUAGES.")
@click.option("--city", default="")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2")
@click.option("--approval", is_flag=True, help="Each registration needs the organizer's approval.")
@click.option("--publish", is_flag=True)
@with_appcontext
@unit_of_work()
def create_event(title, starts, ends, capacity, zone, language, city, country, approval, publish):
    """Create an event (as the site). Prints its slug as the last word."""
    from diaspora.events import services

    class Site:  # the command line acts as a site admin
        id = None
        is_admin = True
        is_authenticated = True

    from diaspora.content_i18n import content_languages

    if language not in content_languages():
        raise click.BadParameter(f"one of {', '.join(content_languages())}", param_hint="--language")
    from diaspora.events import zones

    if zones.canonical(zone) is None:
        raise click.BadParameter("an IANA time zone such as Asia/Bishkek", param_hint="--timezone")
    data = services.EventData(titles={language: title}, starts_at=_moment(starts, zone, "--starts"),
                              ends_at=_moment(ends, zone, "--ends"), timezone=zone, capacity=capacity,
                              city=city, country=country.upper() if country else None, requires_approval=approval)
    from diaspora.errors import DomainError

    try:
        event = services.create_event(Site(), data)
        if publish:
            services.publish(Site(), event)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created event {'(published)' if publish else '(draft)'}: {event.slug}")


@click.command("send-reminders")
@click.option("--hours", type=click.IntRange(1, 24 * 14), default=None,
              help="Remind about every event starting within this many hours (default: each event's own "
                   "reminder time).")
@with_appcontext
@unit_of_work()
def send_reminders(hours: int | None):
    """Queue the scheduled reminders that are due (each person once)."""
    from diaspora.events.dashboard import send_reminders as remind_all

    sent = remind_all(hours=hours)
    click.echo(f"Reminders queued: {sent}")
