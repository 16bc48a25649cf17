import click
from flask.cli import with_appcontext


@click.command("send-mail")
@click.option("--now", "force", is_flag=True, help="Retry every waiting message now, ignoring the back-off.")
@with_appcontext
def send_mail(force: bool):
    """Send the queued mail that is due, once, as the worker does (`flask worker` keeps doing it)."""
    from diaspora.mail import smtp_configured
    from diaspora.mail.outbox import deliver_all

    if not smtp_configured():
        click.echo("MAIL_SERVER is not set: messages stay in the outbox (Moderation → Outbox).")
        return
    outcome = deliver_all(force=force)
    click.echo(f"sent {outcome.sent}, failed {outcome.failed}")
    if outcome.unavailable:
        click.echo(f"The mail server is unreachable ({outcome.unavailable}): messages wait for it.")
