"""What registering needs to know about an event (open or not, places, its sessions and questions), as
plain values rather than the ORM, and kept per process for the API's registration burst.

The copy kept is never trusted for where a registration goes: it is keyed by slug, and the statement that
takes the event's lock (events.locking.lock_for_registration) matches the id AND the slug and re-reads the
row's updated_at (which every change to the event, its sessions or its questions bumps). An id that is no
longer this slug's (the database was reset or restored while the workers ran) matches nothing, and the
rules are read again by slug; a newer updated_at is read again too, with the programme cached per (id,
slug, updated_at)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from diaspora.content_i18n import I18nText
from diaspora.database import utcnow
from diaspora.errors import ServiceError
from diaspora.events.locking import EVENT_FIELDS
from diaspora.extensions import db
from diaspora.models import Event, EventQuestion, EventSession


class RegistrationClosed(ServiceError):
    status = 409


@dataclass(frozen=True)
class SessionRule:
    id: int
    capacity: int | None
    titles: tuple  # ((lang, title), ...)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def title(self, locale: str | None = None) -> str:
        return I18nText(dict(self.titles)).get(locale)


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: str
    options: tuple
    required: bool


@dataclass(frozen=True)
class EventRules:
    """An event's rules as read at `updated_at` (see the module's docstring for how a copy is checked)."""

    id: int
    slug: str
    status: str
    capacity: int | None
    requires_approval: bool
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    ends_at: datetime
    updated_at: datetime
    sessions: tuple
    questions: tuple


_PROGRAMMES: dict[int, tuple] = {}  # event id -> (slug, updated_at, sessions, questions)
_BY_SLUG: dict[str, EventRules] = {}
_RULES_ROW = select(*EVENT_FIELDS).where(Event.__table__.c.slug == bindparam("slug"))


def _session_rule(session) -> SessionRule:
    return SessionRule(session.id, session.capacity, tuple(session.title.as_dict().items()), session.starts_at,
                       session.ends_at)


def _question_rule(question) -> QuestionRule:
    return QuestionRule(question.id, question.kind, tuple(question.options or ()), question.required)


def _programme(conn, event_id: int, slug: str, updated_at: datetime) -> tuple[tuple, tuple]:
    cached = _PROGRAMMES.get(event_id)
    if cached is None or cached[:2] != (slug, updated_at):
        sessions = tuple(_session_rule(s) for s in conn.execute(
            select(EventSession).where(EventSession.event_id == event_id)
            .order_by(EventSession.starts_at, EventSession.position, EventSession.id)))
        questions = tuple(_question_rule(q) for q in conn.execute(
            select(EventQuestion).where(EventQuestion.event_id == event_id)
            .order_by(EventQuestion.position, EventQuestion.id)))
        cached = (slug, updated_at, sessions, questions)
        _PROGRAMMES[event_id] = cached
    return cached[2], cached[3]


def rules_from_row(conn, row) -> EventRules:
    """The rules of the event row just read (or locked), kept as this process's copy for its slug."""
    sessions, questions = _programme(conn, row.id, row.slug, row.updated_at)
    rules = EventRules(id=row.id, slug=row.slug, status=row.status, capacity=row.capacity,
                       requires_approval=row.requires_approval, registration_opens_at=row.registration_opens_at,
                       registration_closes_at=row.registration_closes_at, ends_at=row.ends_at,
                       updated_at=row.updated_at, sessions=sessions, questions=questions)
    _BY_SLUG[rules.slug] = rules
    return rules


def rules_of(event: Event) -> EventRules:
    """The rules of an event already loaded with the ORM (the web pages have it anyway)."""
    return EventRules(
        id=event.id, slug=event.slug, status=event.status, capacity=event.capacity,
        requires_approval=event.requires_approval, registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at, ends_at=event.ends_at, updated_at=event.updated_at,
        sessions=tuple(_session_rule(s) for s in event.sessions),
        questions=tuple(_question_rule(q) for q in event.questions))


def event_rules(slug: str, fresh: bool = False) -> EventRules | None:
    """The rules by slug: as this process last saw them (register() checks them under the lock and reads
    them again if they are not the event's as it is), or read now with `fresh`."""
    if not fresh and slug in _BY_SLUG:
        return _BY_SLUG[slug]
    conn = db.session.connection()
    row = conn.execute(_RULES_ROW, {"slug": slug}).first()
    if row is None:
        _BY_SLUG.pop(slug, None)
        return None
    return rules_from_row(conn, row)


def registration_state(event: "Event | EventRules", now: datetime | None = None) -> str:
    """open | not_yet | closed | draft | cancelled"""
    now = now or utcnow()
    if event.status != "published":
        return "cancelled" if event.status == "cancelled" else "draft"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_yet"
    if (event.registration_closes_at and now > event.registration_closes_at) or now > event.ends_at:
        return "closed"
    return "open"


def closed_message(state: str) -> str:
    return {
        "not_yet": _("Registration has not opened yet."),
        "closed": _("Registration is closed."),
        "draft": _("This event is not published."),
        "cancelled": _("This event was cancelled."),
    }.get(state, _("Registration is closed."))
