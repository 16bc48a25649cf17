"""Guides on rights and risks per destination country and topic: written by associations' admins, reviewed
and published by the site's moderators, versioned, searchable in any letters, linked from help."""


def init_app(app) -> None:
    """The review reminder job and its mail; what templates use to link guides (offers, requests)."""
    from datetime import timedelta

    from diaspora import jobs, mail, offline
    from diaspora.guides import routes, services

    jobs.register("guides-review-due", timedelta(days=1), services.remind_reviews_job)
    mail.register_composer("guides", services.compose)
    offline.register_pack_source(routes.offline_pages)
    app.add_template_global(services.guides_for, "guides_for")
    app.add_template_global(services.topic_label, "guide_topic")
