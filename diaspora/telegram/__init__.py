"""News where the person reads it: a chat in Telegram linked to a request for help, a registration or an alert
subscription (a deep link with a one-time code), its news or digests sent there through the outbox, the
person's replies added to the request. Off unless TELEGRAM_BOT_TOKEN (and TELEGRAM_BOT_USERNAME) are set."""


def init_app(app) -> None:
    """The webhook's blueprint, the private pages' panel, the outbox's sender and composer, the signals
    it listens to and `flask telegram-webhook`."""
    from diaspora import mail, signals
    from diaspora.telegram import bot, cli, links, news, routes

    app.register_blueprint(routes.bp)
    app.add_template_global(routes.panel, "telegram_panel")
    app.add_template_global(links.configured, "telegram_configured")
    mail.register_sender(bot.TelegramSender)
    mail.register_composer("telegram", news.compose)
    # sent: nothing of the text (a message of the association, a private link) stays in the outbox
    mail.register_kinds(news.TEMPLATE.rsplit("/", 1)[-1], redact=r"(?s)^()(.+)$", personal=True)
    signals.help_request_news.connect(news.on_request_news)
    signals.registration_changed.connect(news.on_registration_changed)
    signals.help_request_forgotten.connect(news.on_request_forgotten)
    signals.alert_digest_queued.connect(news.on_alert_digest)
    app.cli.add_command(cli.telegram_webhook)
