import re

import click
from flask import current_app
from flask.cli import with_appcontext

from diaspora.unit_of_work import unit_of_work


@click.command("telegram-webhook")
@with_appcontext
@unit_of_work()
def telegram_webhook():
    """Register SITE_URL/telegram/webhook with Telegram (setWebhook), with TELEGRAM_WEBHOOK_SECRET."""
    from diaspora.telegram import bot

    config = current_app.config
    missing = [name for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "TELEGRAM_WEBHOOK_SECRET")
               if not config.get(name)]
    if missing:
        raise click.ClickException(f"Set {', '.join(missing)} first (the token and the name from @BotFather; "
                                   "the secret: any 1-256 characters of A-Z, a-z, 0-9, _ and -).")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", config["TELEGRAM_WEBHOOK_SECRET"]):
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1 to 256 of them).")
    url = config["SITE_URL"].rstrip("/") + "/telegram/webhook"
    if not url.startswith("https://"):
        raise click.ClickException(f"Telegram sends updates only to an https:// address; SITE_URL gives {url}.")
    try:
        bot.set_webhook(url, config["TELEGRAM_WEBHOOK_SECRET"])
    except bot.BotError as error:
        raise click.ClickException(f"Telegram refused the webhook: {error}") from None
    click.echo(f"Webhook set: Telegram sends messages for @{config['TELEGRAM_BOT_USERNAME']} to {url}.")
