import time

import click
from flask.cli import with_appcontext


@click.command("send-mail")
@click.option("--loop", type=int, default=0, metavar="SECONDS", help="Keep running, sending every SECONDS "
              "(`flask worker` does this and runs the periodic jobs too).")
@click.option("--now", "force", is_flag=True, help="Retry every waiting message now, ignoring the back-off.")
@with_appcontext
def send_mail(loop: int, force: bool):
    """Send the queued mail that is due, as the worker does."""
    from diaspora.mail import smtp_configured
    from diaspora.mail.outbox import deliver_all

    if not smtp_configured():
        click.echo("MAIL_SERVER is not set: messages stay in the outbox (Moderation → Outbox).")
        return
    while True:
        outcome = deliver_all(force=force)
        force = False
        click.echo(f"sent {outcome.sent}, failed {outcome.failed}")
        if outcome.unavailable:
            click.echo(f"The mail server is unreachable ({outcome.unavailable}): messages wait for it.")
        if not loop:
            break
        time.sleep(loop)
