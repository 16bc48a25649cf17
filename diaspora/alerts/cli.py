import click
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


@click.command("send-alerts")
@with_appcontext
@unit_of_work()
def send_alerts():
    """Queue the alert digests that are due (at most one a day per subscriber; each item once). The worker
    sends them (`flask worker`, or `flask send-mail` once)."""
    from diaspora.alerts.digest import send_alerts as queue_digests

    click.echo(f"Alerts queued: {queue_digests()}")
