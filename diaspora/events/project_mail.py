"""The author of a project proposal hears of the organizers' decision, in the language they registered in."""
from diaspora import mail, signals
from diaspora.models import Project
from diaspora.urls import external_url

KINDS = {"accepted": "project_accepted", "declined": "project_declined"}


def tell_author(project: Project, decision: str, **_details) -> None:
    """The receiver of signals.project_decided. A project without its registration has nobody to tell, and a
    delegation member without an email reads the decision on their private page."""
    registration = project.registration
    if (registration is None or registration.email is None or decision not in KINDS
            or registration.status in ("cancelled", "rejected")):
        return
    mail.queue(registration.email, f"events/{KINDS[decision]}", registration.language, project=project,
               event=project.event, registration=registration,
               link=external_url("events.private", token=registration.token),
               event_url=external_url("events.show", slug=project.event.slug))


def init_app(app) -> None:
    signals.project_decided.connect(tell_author)
    # the participant's private link has no business in the outbox that site admins read, once sent
    mail.register_kinds(*KINDS.values(), redact=r"(/r/)[\w-]{20,}")
