"""Mail to participants, in the language they registered in, with the calendar file and the ticket.

Messages are queued with the registration's id only and composed when sent (diaspora.mail.queue_later):
registering stays a few INSERTs, and what goes out is true when it goes out. A message that no longer is
(a confirmation for a registration cancelled meanwhile) is kept as void instead of being sent."""
from datetime import timedelta

from sqlalchemy import select

from diaspora import mail, signals
from diaspora.database import utcnow
from diaspora.events.places import waitlist_position
from diaspora.extensions import db
from diaspora.models import OutboxMessage, Registration
from diaspora.urls import external_url

WITH_CALENDAR = {"registration_confirmed", "registration_pending", "registration_promoted", "registration_link",
                 "event_reminder"}
# What the registration's status must still be for the message to be worth sending.
STILL_TRUE = {
    "registration_confirmed": {"confirmed"},
    "registration_pending": {"pending"},
    "registration_waitlisted": {"waitlisted"},
    "registration_promoted": {"confirmed", "pending"},
    "registration_rejected": {"rejected"},
    "event_reminder": {"confirmed"},
    "registration_cancelled": {"cancelled"},
    "session_seated": {"confirmed", "pending"},
}


def mail_participant(registration: Registration, template: str, **extra) -> None:
    queue(registration.id, registration.email, registration.language, template, **extra)


def queue(registration_id: int, email: str | None, language: str, template: str, **extra) -> None:
    """Queue by id: nothing is rendered now (see the module's docstring). A delegation's member without an
    address gets nothing: their head's page has what they need."""
    if not email:
        return
    mail.queue_later(email, f"events/{template}", language, registration_id=registration_id, **extra)


def new_registration_params(event_id: int, email: str, language: str) -> dict:
    """The message for a registration being made, queued by the registration's own INSERT (see
    registrations._register): found by event and email when it is sent, and worded for its status then."""
    return mail.later_params(email, "events/registration_new", language, event_id=event_id, email=email)


LINK_AGAIN_AFTER = timedelta(minutes=10)


def link_sent_recently(email: str) -> bool:
    """Whether the link was mailed to this address again a moment ago (then once is enough)."""
    return bool(db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.to_address == email, OutboxMessage.kind == "registration_link",
        OutboxMessage.created_at > utcnow() - LINK_AGAIN_AFTER).limit(1)))


NEW_REGISTRATION = {"confirmed": "registration_confirmed", "pending": "registration_pending",
                    "waitlisted": "registration_waitlisted"}


def compose(template: str, params: dict, message=None):
    """diaspora.mail's composer for events/*: the context, or why the message is void."""
    name = template.split("/", 1)[1]
    if name == "registration_new":
        registration = db.session.scalar(select(Registration).where(
            Registration.event_id == params.get("event_id"), Registration.email == params.get("email")))
        if registration is None or registration.status not in NEW_REGISTRATION:
            return "outdated: the registration is gone, cancelled or not accepted"
        if message is not None and registration.promoted_at and registration.promoted_at >= message.created_at:
            return "outdated: moved up from the waitlist since; that message says so"
        name = NEW_REGISTRATION[registration.status]
        params = {}
    else:
        registration = db.session.get(Registration, params.get("registration_id"))
    if registration is None:
        return "the registration no longer exists"
    if name in STILL_TRUE and registration.status not in STILL_TRUE[name]:
        return f"outdated: the registration is now {registration.status}"
    if registration.event.status == "cancelled" and name != "event_cancelled":
        return "outdated: the event was cancelled"
    seated_in = None
    if name == "session_seated":
        link = next((link for link in registration.session_links if link.session_id == params.get("session_id")),
                    None)
        if link is None or link.status != "seated":
            return "outdated: no longer seated in the session"
        seated_in = next(s for s in registration.event.sessions if s.id == link.session_id)
    attachments = []
    if name in WITH_CALENDAR and registration.holds_place:
        attachments.append(("event.ics", "text/calendar", f"registration-ics:{registration.id}"))
    if name in WITH_CALENDAR and registration.status == "confirmed":
        attachments.append(("ticket.pdf", "application/pdf", f"ticket:{registration.id}"))
    event = registration.event
    context = {
        "registration": registration, "event": event,
        "link": external_url("events.private", token=registration.token),
        "event_url": external_url("events.show", slug=event.slug),
        "position": waitlist_position(registration),
        "time_left": time_left(event.starts_at),
        "session": seated_in,
        "waiting_sessions": [s.title(registration.language) for s in chosen_sessions(registration)
                             if s.id in waiting_for(registration)],
        **{key: value for key, value in params.items()
           if key not in ("registration_id", "event_id", "email", "session_id")},
    }
    return mail.Composed(context, attachments, template=f"events/{name}", reply_to=event.reply_to)


def time_left(starts_at, now=None) -> tuple[str, int]:
    """How far the start is, as the mail words it: ("days", n), ("hours", n), or ("started", 0)."""
    left = starts_at - (now or utcnow())
    if left <= timedelta(0):
        return "started", 0
    if left < timedelta(days=1):
        return "hours", max(1, round(left.total_seconds() / 3600))
    return "days", round(left.total_seconds() / 86400)


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


def waiting_for(registration: Registration) -> set[int]:
    """The sessions this person waits for a seat in (events.session_seats)."""
    return {link.session_id for link in registration.session_links if link.status == "waiting"}


# What a registration's change (signals.registration_changed) tells the person.
MAIL_FOR_CHANGE = {"confirmed": "registration_confirmed", "rejected": "registration_rejected",
                   "promoted": "registration_promoted", "cancelled": "registration_cancelled"}


def tell_participant(registration: Registration, change: str, **details) -> None:
    """The receiver of signals.registration_changed."""
    if change in MAIL_FOR_CHANGE:
        if details.get("by") != "delegation_head":  # the person's own doing: the mail says "as you asked"
            details.pop("by", None)
        mail_participant(registration, MAIL_FOR_CHANGE[change], **details)


def tell_seated(registration: Registration, session_id: int) -> None:
    """The receiver of signals.session_seated: "you have a seat in …"."""
    mail_participant(registration, "session_seated", session_id=session_id)


def init_app(app) -> None:
    signals.registration_changed.connect(tell_participant)
    signals.session_seated.connect(tell_seated)
    mail.register_renderer("ticket", render_ticket)
    mail.register_renderer("registration-ics", render_registration_ics)
    mail.register_composer("events", compose)
    # once delivered, the participant's private link has no business in the outbox that site admins read
    mail.register_kinds("registration_confirmed", "registration_pending", "registration_waitlisted",
                        "registration_promoted", "registration_rejected", "registration_link", "registration_new",
                        "event_reminder", "event_cancelled", "registration_cancelled", "organizer_message",
                        "session_seated",
                        redact=r"(/r/)[\w-]{20,}")
