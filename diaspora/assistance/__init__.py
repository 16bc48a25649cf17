"""Mutual help: offers of associations, requests for help routed to them, coordinators' follow-up."""


def init_app(app) -> None:
    """The feature's mail, its periodic job, and what it does when another feature announces something."""
    from datetime import timedelta

    from diaspora import jobs, signals
    from diaspora.assistance import escalation, notify, offers, requests

    notify.init_app(app)
    jobs.register("help-retention", timedelta(days=1), requests.retention_job)
    jobs.register("help-escalate", timedelta(minutes=15), escalation.escalation_job)
    signals.organization_unpublished.connect(requests.release_on_unpublishing)
    signals.organization_page.connect(offers.organization_section)
