import time

import click
from flask.cli import with_appcontext


@click.command("send-mail")
@click.option("--loop", type=int, default=0, metavar="SECONDS", help="Keep running, sending every SECONDS.")
@click.option("--now", "force", is_flag=True, help="Retry every waiting message now, ignoring the back-off.")
@with_appcontext
def send_mail(loop: int, force: bool):
    """Send queued mail that is due (run it from cron, or with --loop as a small worker)."""
    from diaspora.mail import deliver_due, smtp_configured

    if not smtp_configured():
        click.echo("MAIL_SERVER is not set: messages stay in the outbox (Moderation → Outbox).")
        return
    while True:
        sent, failed = deliver_due(force=force)
        force = False
        click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            break
        time.sleep(loop)
