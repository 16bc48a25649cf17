from datetime import datetime

import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


@click.command("help-retention")
@click.option("--now", "now_text", default=None, help="Act as if it were this moment (ISO 8601); for tests.")
@with_appcontext
@unit_of_work()
def help_retention(now_text: str | None):
    """Remind about stale requests for help, close them when nothing happens, and anonymise closed ones
    after HELP_RETENTION_DAYS (contacts, name, story and messages removed; counts kept). Run it daily."""
    from diaspora.assistance.requests import retention

    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter("an ISO date and time, e.g. 2027-01-31T00:00+00:00", param_hint="--now") from None
        if now.tzinfo is None:
            raise click.BadParameter("give the offset, e.g. +00:00", param_hint="--now")
    done = retention(now)
    click.echo(f"Reminded {done['reminded']}, closed {done['closed']}, anonymised {done['anonymised']}.")


@click.command("set-coordinator")
@click.argument("email")
@click.option("--off", is_flag=True, help="Take the role away.")
@with_appcontext
@unit_of_work()
def set_coordinator(email: str, off: bool):
    """Make an account a site coordinator (it sees the "needs a person" queue of requests for help and
    routes them by hand to any association), or no longer one with --off."""
    from diaspora.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter("no account with this email", param_hint="EMAIL")
    user.is_coordinator = not off
    click.echo(f"{user.email} is {'no longer' if off else 'now'} a site coordinator.")
