"""Mail to participants, in the language they registered in, with the calendar file and the ticket.

The ticket and calendar are attached as recipes and made when the message is sent (see diaspora.mail):
registering stays fast, and what goes out matches the registration as it is then."""
from diaspora import mail
from diaspora.extensions import db
from diaspora.models import Registration
from diaspora.urls import external_url

WITH_CALENDAR = {"registration_confirmed", "registration_pending", "registration_promoted", "registration_link",
                 "event_reminder"}


def mail_participant(registration: Registration, template: str, **extra) -> None:
    event = registration.event
    attachments = []
    if template in WITH_CALENDAR and registration.holds_place:
        attachments.append(("event.ics", "text/calendar", f"registration-ics:{registration.id}"))
    if template in WITH_CALENDAR and registration.status == "confirmed":
        attachments.append(("ticket.pdf", "application/pdf", f"ticket:{registration.id}"))
    from diaspora.events.registrations import waitlist_position

    mail.queue(
        registration.email, f"events/{template}", registration.language, attachments=attachments,
        registration=registration, event=event,
        link=external_url("events.private", token=registration.token),
        event_url=external_url("events.show", slug=event.slug),
        position=waitlist_position(registration), **extra,
    )


def _registration(ref: str) -> Registration | None:
    return db.session.get(Registration, int(ref)) if ref.isdigit() else None


def render_ticket(ref: str, locale: str) -> bytes | None:
    from diaspora.events.documents import ticket_pdf

    registration = _registration(ref)
    if registration is None or registration.status != "confirmed":
        return None
    return ticket_pdf(registration, registration.event, locale, sessions=chosen_sessions(registration),
                      manage_url=external_url("events.private", token=registration.token))


def render_registration_ics(ref: str, locale: str) -> bytes | None:
    from diaspora.events.documents import event_ics

    registration = _registration(ref)
    if registration is None or not registration.holds_place:
        return None
    return event_ics(registration.event, locale, sessions=chosen_sessions(registration),
                     url=external_url("events.private", token=registration.token))


def chosen_sessions(registration: Registration) -> list:
    chosen = set(registration.session_ids)
    return [s for s in registration.event.sessions if s.id in chosen]


def init_app(app) -> None:
    mail.RENDERERS.update({"ticket": render_ticket, "registration-ics": render_registration_ics})
