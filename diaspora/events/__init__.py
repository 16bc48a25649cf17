"""Forum events: organizing, registering under the event's lock, the mail and the organizer's dashboard."""


def init_app(app) -> None:
    """The feature's mail (and the registration changes it tells people about) and its periodic job."""
    from datetime import timedelta

    from diaspora import jobs, signals
    from diaspora.events import dashboard, delegations, notify, project_mail, services, team, team_notify

    notify.init_app(app)
    project_mail.init_app(app)
    delegations.init_app(app)
    team.init_app(app)
    team_notify.init_app(app)
    jobs.register("event-reminders", timedelta(hours=1), dashboard.remind_soon)
    signals.organization_page.connect(services.organization_section)
