"""Registrations: the rules that must hold when many people register at the same moment.

Every change that moves places around (register, cancel, approve, reject, capacity changes) first
takes the event's lock (lock_event), then counts and decides. Two requests for one event are thereby
serialised by the database itself, on PostgreSQL by the event row's lock and on SQLite by its write
lock, so the event and its sessions are never overbooked and waitlist places are handed out once,
in order. Unique constraints back up what must be unique (one registration per email; one waitlist
place each). Services flush; the caller commits, which releases the lock.
"""
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from diaspora import unit_of_work
from diaspora.codes import random_code
from diaspora.database import dialect_insert, rows_matched, utcnow
from diaspora.directory import contacts
from diaspora.errors import InvalidFields, ServiceError
from diaspora.events import writer_lock
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.extensions import db
from diaspora.i18n import country_codes
from diaspora.models import Event, EventQuestion, EventSession, Organization, Registration, RegistrationSession
from diaspora.models.event import HOLDING, LANGS
from diaspora.text import SINGLE_LINE, TEXT_WHITESPACE, control_character, control_character_message, search_text


class RegistrationClosed(ServiceError):
    status = 409


class InvalidRegistration(InvalidFields):
    """A registration with fields that break the rules."""


@dataclass
class RegistrationData:
    full_name: str = ""
    email: str = ""
    phone: str | None = None
    country: str = ""
    city: str = ""
    home_region: str | None = None
    organization_id: int | str | None = None  # as typed, before clean() finds the association: an id
    sector: str | None = None
    sessions: list[int] = field(default_factory=list)
    answers: dict = field(default_factory=dict)
    project_title: str | None = None
    project_text: str | None = None
    consent: bool = False
    public_listing: bool = False
    language: str = "ky"


@dataclass
class RegistrationRef:
    """What the caller of register() needs to answer: no ORM object, no reload after the commit."""

    id: int
    status: str
    token: str
    waitlist_position: int | None = None


_Registration = TypeVar("_Registration", RegistrationRef, Registration)


@dataclass
class Outcome(Generic[_Registration]):
    registration: _Registration  # register() answers with a RegistrationRef; the others with the row
    created: bool  # False: this email was already registered; the private link was sent again
    dropped_sessions: list[EventSession] = field(default_factory=list)


@dataclass(frozen=True)
class SessionRule:
    id: int
    capacity: int | None
    titles: tuple  # ((lang, title), ...)

    def title(self, locale: str) -> str:
        titles = dict(self.titles)
        return next((titles[lang] for lang in (locale, "ky", "ru", "en") if titles.get(lang)), "")


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: str
    options: tuple
    required: bool


@dataclass(frozen=True)
class EventRules:
    """What registering needs to know about an event, without the ORM. Kept per process and checked
    against the event row that the lock re-reads (updated_at, which every change to the event, its
    sessions or its questions bumps), so a change is never missed."""

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


_PROGRAMMES: dict[int, tuple] = {}  # event id -> (updated_at, sessions, questions)
_BY_SLUG: dict[str, EventRules] = {}

# The registration path's statements, built once on the tables (not the ORM entities): constructing
# and compiling them per request cost more than running them.
_events, _registrations = Event.__table__, Registration.__table__
_EVENT_FIELDS = (_events.c.id, _events.c.slug, _events.c.status, _events.c.capacity, _events.c.requires_approval,
                 _events.c.registration_opens_at, _events.c.registration_closes_at, _events.c.ends_at,
                 _events.c.updated_at)
_RULES_ROW = select(*_EVENT_FIELDS).where(_events.c.slug == bindparam("slug"))
# updated_at is named so that its onupdate default does not fire: it dates changes to the event itself
_LOCK = update(_events).where(_events.c.id == bindparam("event_id")).values(
    lock_version=_events.c.lock_version + 1, updated_at=_events.c.updated_at)
# ... and for a registration, the decision too, taken by the statement that takes the lock: a place
# while places_taken < capacity, else the waitlist (with a fresh waitlist number: positions are ranks,
# so numbers drawn and not used do not matter, and the unique constraint gives each one once). All the
# right-hand sides see the row as it was, before this statement.
_FULL = and_(_events.c.capacity.is_not(None), _events.c.places_taken >= _events.c.capacity)
_LOCK_FOR_REGISTRATION = update(_events).where(_events.c.id == bindparam("event_id")).values(
    lock_version=_events.c.lock_version + 1,
    places_taken=_events.c.places_taken + case((_FULL, 0), else_=1),
    waiting=_events.c.waiting + case((_FULL, 1), else_=0),
    waitlist_seq=_events.c.waitlist_seq + case((_FULL, 1), else_=0),
    last_registration_waitlisted=_FULL,
    updated_at=_events.c.updated_at,
).returning(_events.c.waitlist_seq, _events.c.waiting, _events.c.last_registration_waitlisted, *_EVENT_FIELDS)
# The counters from the rows: every change but a new registration ends with this, under the lock.
_RECOUNT = update(_events).where(_events.c.id == bindparam("event_id")).values(
    places_taken=select(func.count()).where(_registrations.c.event_id == _events.c.id,
                                            _registrations.c.status.in_(HOLDING)).scalar_subquery(),
    waiting=select(func.count()).where(_registrations.c.event_id == _events.c.id,
                                       _registrations.c.status == "waitlisted").scalar_subquery(),
    updated_at=_events.c.updated_at)
_EXISTING = select(_registrations.c.id, _registrations.c.status, _registrations.c.token, _registrations.c.code,
                   _registrations.c.language).where(_registrations.c.event_id == bindparam("event_id"),
                                                    _registrations.c.email == bindparam("email"))
_UPDATE_BY_ID = update(_registrations).where(_registrations.c.id == bindparam("registration_id"))
_INSERTS: dict[str, object] = {}


def _insert_unless_registered(dialect: str):
    """INSERT ... ON CONFLICT (event_id, email) DO NOTHING RETURNING id: the duplicate check and the
    insert in one statement. Only that constraint is named, so a clash of check-in codes still raises."""
    if dialect not in _INSERTS:
        _INSERTS[dialect] = (dialect_insert(dialect, _registrations)
                             .on_conflict_do_nothing(index_elements=["event_id", "email"])
                             .returning(_registrations.c.id))
    return _INSERTS[dialect]


def _programme(conn, event_id: int, updated_at: datetime) -> tuple[tuple, tuple]:
    cached = _PROGRAMMES.get(event_id)
    if cached is None or cached[0] != updated_at:
        sessions = tuple(
            SessionRule(s.id, s.capacity, tuple((lang, getattr(s, f"title_{lang}")) for lang in LANGS))
            for s in conn.execute(select(EventSession).where(EventSession.event_id == event_id)
                                  .order_by(EventSession.starts_at, EventSession.position, EventSession.id)))
        questions = tuple(
            QuestionRule(q.id, q.kind, tuple(q.options or ()), q.required)
            for q in conn.execute(select(EventQuestion).where(EventQuestion.event_id == event_id)
                                  .order_by(EventQuestion.position, EventQuestion.id)))
        cached = (updated_at, sessions, questions)
        _PROGRAMMES[event_id] = cached
    return cached[1], cached[2]


def _rules_from_row(conn, row) -> EventRules:
    sessions, questions = _programme(conn, row.id, row.updated_at)
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
        sessions=tuple(SessionRule(s.id, s.capacity, tuple((lang, getattr(s, f"title_{lang}")) for lang in LANGS))
                       for s in event.sessions),
        questions=tuple(QuestionRule(q.id, q.kind, tuple(q.options or ()), q.required) for q in event.questions))


def event_rules(slug: str, fresh: bool = False) -> EventRules | None:
    """The rules by slug: as this process last saw them (register() re-reads the row under the lock
    and starts again if anything changed), or read now with `fresh`."""
    if not fresh and slug in _BY_SLUG:
        return _BY_SLUG[slug]
    conn = db.session.connection()
    row = conn.execute(_RULES_ROW, {"slug": slug}).first()
    return _rules_from_row(conn, row) if row is not None else None


# --- the lock ------------------------------------------------------------------------------------

def lock_event(event_id: int) -> None:
    """Take the event's lock for the rest of the transaction.

    SQLite: BEGIN IMMEDIATE takes the database's write lock now (a second writer waits rather than
    failing later). Both: the UPDATE locks the event row (PostgreSQL holds it until commit) and leaves a
    trace that registrations changed."""
    connection = _begin_writing()
    connection.execute(_LOCK, {"event_id": event_id})


def _lock_for_registration(event_id: int):
    connection = _begin_writing()
    return connection.execute(_LOCK_FOR_REGISTRATION, {"event_id": event_id}).first()


def _begin_writing():
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        assert raw is not None  # a checked-out connection always has its DBAPI connection
        if not raw.in_transaction:
            writer_lock.acquire(db.session, connection.engine.url.database)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def places_taken(event: Event) -> int:
    return db.session.execute(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(HOLDING))).scalar_one()


def session_places_taken(session_ids: list[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(RegistrationSession.session_id, func.count())
        .join(Registration, Registration.id == RegistrationSession.registration_id)
        .where(RegistrationSession.session_id.in_(session_ids), Registration.status.in_(HOLDING))
        .group_by(RegistrationSession.session_id)).all()
    taken = dict.fromkeys(session_ids, 0)
    taken.update(dict(rows))
    return taken


def places_left(event: Event) -> int | None:
    """None when the event has no limit. Read without the lock: for display only."""
    if event.capacity is None:
        return None
    return max(event.capacity - places_taken(event), 0)


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == "waitlisted",
        Registration.waitlist_seq <= registration.waitlist_seq))


# --- validation ----------------------------------------------------------------------------------

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


def _text(errors: dict, name: str, value, limit: int, required: bool = False) -> str | None:
    if value is not None and not isinstance(value, str):
        errors[name] = _("Must be text.")
        return None
    multiline = name == "project_text"
    if value and (ch := control_character(value, TEXT_WHITESPACE if multiline else SINGLE_LINE)):
        errors[name] = control_character_message(ch)
        return None
    value = (value or "").strip() if multiline else " ".join((value or "").split())
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(max)d characters.", max=limit)
    return value or None


def _as_id(value) -> int | None:
    """A whole number as an id or an index (JSON 3, or the form's "3"); None for anything else, such as
    true, 3.7, "3a", Infinity or a list."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        number = int(value.strip())
        return number if number < 2**31 else None
    return None


def _choice(errors: dict, name: str, value, allowed) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in allowed:
        errors[name] = _("Choose from the list.")
        return None
    return value


def clean(event: "Event | EventRules", data: RegistrationData) -> RegistrationData:
    """Normalise and check everything a person (or a partner's bot) sent; InvalidRegistration lists
    every problem at once, each with its field."""
    errors: dict[str, str] = {}
    language = _choice(errors, "language", data.language, ("ky", "ru", "en"))
    out = RegistrationData(language=language or "ky")
    out.full_name = _text(errors, "full_name", data.full_name, 200, required=True) or ""
    email = _text(errors, "email", data.email, 254, required=True)
    if email and "email" not in errors:
        try:
            out.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors["email"] = _("Enter a valid email address.")
    phone = _text(errors, "phone", data.phone, 40)
    if phone and "phone" not in errors:
        try:
            out.phone = contacts.normalize_phone(phone)
        except contacts.ContactError as error:
            errors["phone"] = str(error.args[0])
    country = (_text(errors, "country", data.country, 2, required=True) or "").upper()
    if country and country not in country_codes():
        errors["country"] = _("Choose a country from the list.")
    out.country = country
    out.city = _text(errors, "city", data.city, 120, required=True) or ""
    out.home_region = _choice(errors, "home_region", data.home_region, HOME_REGIONS)
    out.sector = _choice(errors, "sector", data.sector, SECTORS)
    if data.organization_id not in (None, ""):
        org_id = _as_id(data.organization_id)
        org = db.session.get(Organization, org_id) if org_id else None
        if org is None or not org.is_published:
            errors["organization_id"] = _("We did not find this association in the directory. Type its name as "
                                          "it is there; if several have that name, add the city: “Name (City)”.")
        else:
            out.organization_id = org.id
    out.project_title = _text(errors, "project_title", data.project_title, 200)
    out.project_text = _text(errors, "project_text", data.project_text, 3000)
    if out.project_text and not out.project_title:
        errors.setdefault("project_title", _("Give your project a title."))
    known_sessions = {s.id for s in event.sessions}
    chosen = data.sessions if isinstance(data.sessions, (list, tuple)) else [None]
    sessions = [_as_id(s) for s in chosen or []]
    known = [s for s in sessions if s is not None and s in known_sessions]
    if len(known) != len(sessions) or len(sessions) > 100:
        errors["sessions"] = _("Choose from the list.")
        known = []
    out.sessions = sorted(set(known))
    out.answers = _clean_answers(event, data.answers if isinstance(data.answers, dict) else {}, errors)
    if data.consent is not True:
        errors["consent"] = _("We can only register you with your consent to the processing of your data.")
    out.consent = data.consent is True
    out.public_listing = data.public_listing is True
    if errors:
        raise InvalidRegistration(errors)
    return out


def _clean_answers(event: "Event | EventRules", answers: dict, errors: dict) -> dict:
    cleaned: dict[str, str | bool | int] = {}
    for question in event.questions:
        key = str(question.id)
        value = answers.get(key)
        field_name = f"answers.{key}"
        if question.kind == "text":
            if value not in (None, "") and not isinstance(value, str):
                errors[field_name] = _("Must be text.")
            elif value and (ch := control_character(value, SINGLE_LINE)):  # a one-line answer
                errors[field_name] = control_character_message(ch)
            else:
                text = " ".join((value or "").split())
                if len(text) > 1000:
                    errors[field_name] = _("At most %(max)d characters.", max=1000)
                elif text:
                    cleaned[key] = text
        elif question.kind == "yesno":
            if isinstance(value, str):
                value = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}.get(
                    value.strip().lower(), value)
            if isinstance(value, bool):
                cleaned[key] = value
            elif value not in (None, ""):
                errors[field_name] = _("Answer yes or no.")
        elif value not in (None, ""):  # choice: the option's index
            index = _as_id(value)
            if index is None or index >= len(question.options or []):
                errors[field_name] = _("Choose from the list.")
            else:
                cleaned[key] = index
        if question.required and key not in cleaned and field_name not in errors:
            errors[field_name] = _("This field is required.")
    return cleaned


# --- changes -------------------------------------------------------------------------------------

def _apply(registration: Registration, data: RegistrationData) -> None:
    for name in ("full_name", "phone", "country", "city", "home_region", "organization_id", "sector",
                 "project_title", "project_text", "answers", "public_listing", "language"):
        setattr(registration, name, getattr(data, name))
    registration.search_text = search_text(registration.full_name, registration.email, registration.city,
                                           registration.code)


def _full_sessions(event: Event, session_ids: list[int], exclude: Registration | None = None) -> list[EventSession]:
    """Chosen sessions that have no seat left (a registration's own seats do not count against it)."""
    limited = [(s, s.capacity) for s in event.sessions if s.id in session_ids and s.capacity is not None]
    taken = session_places_taken([s.id for s, _ in limited])
    own = set(exclude.session_ids) if exclude is not None and exclude.holds_place else set()
    return [s for s, capacity in limited if taken[s.id] - (1 if s.id in own else 0) >= capacity]


def register(event, data: RegistrationData, user=None) -> Outcome[RegistrationRef]:
    """Register someone: confirmed (or pending, when the organizer approves each one) while places last,
    then the waitlist. The same email twice gets the first registration back, not a second one.

    This is the path a thousand people take in a minute when a forum opens, so it is a handful of
    statements on plain rows: everything is checked before the lock, and under it only the lock (which
    re-reads the event row), one count, one INSERT that doubles as the duplicate check, the mail's
    INSERT and (by the caller) the commit."""
    rules = event if isinstance(event, EventRules) else rules_of(event)
    try:
        cleaned = _check(rules, data)
    except (RegistrationClosed, InvalidRegistration):
        if not isinstance(event, EventRules):
            raise
        # Our copy of the event may predate the change that makes this valid (a new session, a
        # reopened registration): judge again on the event as it is.
        rules = event_rules(rules.slug, fresh=True) or rules
        cleaned = _check(rules, data)
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    for attempt in range(3):
        try:
            return _register(rules, data, cleaned, user_id)
        except IntegrityError:
            # Only a clash of the random check-in code gets here (duplicates are the INSERT's own
            # business): roll back, which releases the lock, and draw again.
            unit_of_work.discard()
            if attempt == 2:
                raise
    raise AssertionError("not reached: the last attempt returns or raises")


def _check(rules: EventRules, data: RegistrationData) -> RegistrationData:
    state = registration_state(rules)
    if state != "open":
        raise RegistrationClosed(closed_message(state), None)
    return clean(rules, data)


def _row(data: RegistrationData, code: str, now: datetime, user_id: int | None) -> dict:
    return {
        "full_name": data.full_name, "phone": data.phone, "country": data.country, "city": data.city,
        "home_region": data.home_region, "organization_id": data.organization_id, "sector": data.sector,
        "project_title": data.project_title, "project_text": data.project_text, "answers": data.answers,
        "public_listing": data.public_listing, "language": data.language, "consented_at": now,
        "search_text": search_text(data.full_name, data.email, data.city, code), "rejection_reason": None,
        "user_id": user_id, "cancelled_at": None, "updated_at": now,
    }


def _register(rules: EventRules, raw: RegistrationData, data: RegistrationData,
              user_id: int | None) -> Outcome[RegistrationRef]:
    from diaspora.events import notify

    conn = db.session.connection()
    # All that does not depend on the decision is done before the lock, which every other registration
    # for the event waits on.
    now = utcnow()
    code = random_code(8)
    token = secrets.token_urlsafe(32)
    values = _row(data, code, now, user_id)
    # PostgreSQL: the mail is queued before the lock too, in the same transaction, its text chosen when it
    # is sent (confirmed, pending or waitlisted: see notify). Not on SQLite, where a write before
    # BEGIN IMMEDIATE would take the database's lock early, and without the writer lock.
    message_id = notify.queue_new_registration(rules.id, data.email, data.language) \
        if conn.dialect.name != "sqlite" else None
    row = _lock_for_registration(rules.id)
    if row is None:
        raise RegistrationClosed(closed_message("cancelled"), None)
    if row.updated_at != rules.updated_at or row.slug != rules.slug:  # changed since: check again, now it holds still
        rules = _rules_from_row(conn, row)
        data = _check(rules, raw)
        values = _row(data, code, now, user_id)
    position = None
    if not row.last_registration_waitlisted:
        limited = [s for s in rules.sessions if s.id in data.sessions and s.capacity is not None]
        seats = session_places_taken([s.id for s in limited]) if limited else {}
        full = [s for s in limited if seats[s.id] >= s.capacity]
        if full:  # the caller rolls back, and with it the counters
            raise InvalidRegistration({"sessions": _("No places left in: %(sessions)s. Choose other sessions.",
                                                     sessions=", ".join(s.title(data.language) for s in full))})
        values.update(status="pending" if rules.requires_approval else "confirmed", waitlist_seq=None)
    else:
        values.update(status="waitlisted", waitlist_seq=row.waitlist_seq)
        position = row.waiting
    registration_id = conn.execute(_insert_unless_registered(conn.dialect.name), {
        "event_id": rules.id, "email": data.email, "token": token, "code": code, "created_at": now,
        **values}).scalar_one_or_none()
    if registration_id is None:  # this email is registered already
        existing = conn.execute(_EXISTING, {"event_id": rules.id, "email": data.email}).one()
        if existing.status != "cancelled":
            conn.execute(_RECOUNT, {"event_id": rules.id})  # nobody new: undo the counting above
            if notify.link_sent_recently(data.email):  # not a way to flood someone's mailbox
                if message_id is not None:
                    notify.discard(message_id)
            elif message_id is not None:
                notify.retarget(message_id, existing.id, "registration_link")
            else:
                notify.queue(existing.id, data.email, existing.language, "registration_link")
            return Outcome(RegistrationRef(existing.id, existing.status, existing.token), created=False)
        # Cancelled before: the row comes back as a new registration, with what was typed now, a new
        # link and a new code. The old link stops working: whoever typed this address gets only what
        # they typed, never what the cancelled registration held.
        registration_id = existing.id
        conn.execute(_UPDATE_BY_ID, {"registration_id": registration_id, "token": token, "code": code,
                                     "checked_in_at": None, "checked_in_by_id": None, "reminded_at": None,
                                     "promoted_at": None,
                                     "created_at": now, **values})
        conn.execute(delete(RegistrationSession).where(RegistrationSession.registration_id == registration_id))
    if data.sessions:
        conn.execute(insert(RegistrationSession),
                     [{"registration_id": registration_id, "session_id": s} for s in data.sessions])
    if message_id is None:
        notify.queue(registration_id, data.email, data.language, {
            "confirmed": "registration_confirmed", "pending": "registration_pending",
            "waitlisted": "registration_waitlisted"}[values["status"]])
    return Outcome(RegistrationRef(registration_id, values["status"], token, position), created=True)


def update_registration(registration: Registration, data: RegistrationData) -> None:
    """The participant edits their answers from the private page (the email stays as it was)."""
    event = registration.event
    if registration.status in ("cancelled", "rejected"):
        raise ServiceError(_("This registration is closed."), None)
    data.email = registration.email
    data.consent = True
    data = clean(event, data)
    lock_event(event.id)
    db.session.refresh(registration)  # its status may have changed while the form was open
    if registration.status in ("cancelled", "rejected"):
        raise ServiceError(_("This registration is closed."), None)
    if registration.holds_place:
        added = [s for s in data.sessions if s not in registration.session_ids]
        full = _full_sessions(event, added, exclude=registration)
        if full:
            raise InvalidRegistration({"sessions": _("No places left in: %(sessions)s. Choose other sessions.",
                                                     sessions=", ".join(s.title(registration.language) for s in full))})
    _apply(registration, data)
    registration.session_links = [link for link in registration.session_links if link.session_id in data.sessions]
    registration.session_links += [RegistrationSession(session_id=s) for s in data.sessions
                                   if s not in registration.session_ids]


def cancel(registration: Registration) -> list[Outcome[Registration]]:
    """The participant (or the organizer) cancels; the first on the waitlist moves up."""
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status in ("cancelled", "rejected"):
        return []
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    registration.waitlist_seq = None
    db.session.flush()
    return promote(registration.event)


def _require_manager(user, registration: Registration) -> None:
    from diaspora.events.services import require_manager

    require_manager(user, registration.event)


def approve(user, registration: Registration) -> None:
    _require_manager(user, registration)
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status != "pending":
        raise ServiceError(_("Only registrations waiting for approval can be approved."), None)
    registration.status = "confirmed"
    _mail(registration, "registration_confirmed")


def reject(user, registration: Registration, reason: str | None) -> list[Outcome[Registration]]:
    _require_manager(user, registration)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why, so the person understands."), "reason")
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status not in ("pending", "waitlisted", "confirmed"):
        raise ServiceError(_("This registration is already closed."), None)
    registration.status = "rejected"
    registration.rejection_reason = reason
    registration.waitlist_seq = None
    db.session.flush()
    _mail(registration, "registration_rejected")
    return promote(registration.event)


def promote(event: Event) -> list[Outcome[Registration]]:
    """Fill free places from the waitlist, first come first served. Call with the event locked.
    Only while the event is on: a place freed in a cancelled or past event goes to nobody."""
    promoted: list[Outcome[Registration]] = []
    if event.status != "published" or event.ends_at < utcnow():
        db.session.flush()
        db.session.execute(_RECOUNT, {"event_id": event.id})
        return promoted
    free = None if event.capacity is None else event.capacity - places_taken(event)
    while free is None or free > 0:
        first = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.waitlist_seq).limit(1))
        if first is None:
            break
        full = _full_sessions(event, first.session_ids)
        if full:  # the place in the event is theirs; a full session is not
            first.session_links = [link for link in first.session_links
                                   if link.session_id not in {s.id for s in full}]
        first.status = "pending" if event.requires_approval else "confirmed"
        first.waitlist_seq = None
        first.promoted_at = utcnow()
        db.session.flush()
        _mail(first, "registration_promoted", dropped=[s.title(first.language) for s in full])
        promoted.append(Outcome(first, created=False, dropped_sessions=full))
        if free is not None:
            free -= 1
    db.session.flush()
    db.session.execute(_RECOUNT, {"event_id": event.id})
    return promoted


def check_in(user, event: Event, code: str | None) -> tuple[str, Registration | None]:
    """("ok" | "already" | "not_confirmed" | "unknown", registration). A second scanner at the same moment
    gets "already": the UPDATE only changes a row nobody has checked in."""
    from diaspora.events.services import require_manager

    require_manager(user, event)
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.code == code)) if code else None
    if registration is None:
        return "unknown", None
    if registration.status != "confirmed":
        return "not_confirmed", registration
    checked_in = rows_matched(
        update(Registration).where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by_id=getattr(user, "id", None)))
    db.session.refresh(registration)
    return ("ok" if checked_in == 1 else "already"), registration


def closed_message(state: str) -> str:
    return {
        "not_yet": _("Registration has not opened yet."),
        "closed": _("Registration is closed."),
        "draft": _("This event is not published."),
        "cancelled": _("This event was cancelled."),
    }.get(state, _("Registration is closed."))


def _mail(registration: Registration, template: str, **extra) -> None:
    from diaspora.events.notify import mail_participant

    mail_participant(registration, template, **extra)
