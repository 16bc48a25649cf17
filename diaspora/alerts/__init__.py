"""Alerts: a daily digest, by mail, of the associations, events and offers of help that appeared near a place or
in a country, for anyone who confirmed their address (no account); Atom feeds of events and offers."""


def init_app(app) -> None:
    """The digest's mail and periodic job, and when events are published (signals.event_published)."""
    from datetime import timedelta

    from diaspora import jobs, mail, signals
    from diaspora.alerts import digest

    mail.register_composer("alerts", digest.compose)
    # the address is the subscriber's alone, and the links in the mail are their keys: kept by nobody once sent
    mail.register_kinds("alert_confirm", "alert_digest", redact=r"(/alerts/(?:confirm|unsubscribe)/)[\w-]{20,}",
                        personal=True)
    jobs.register("send-alerts", timedelta(hours=1), digest.send_alerts)
    signals.event_published.connect(digest.note_publication)
