"""Registrations, the workflow: register, change, cancel, approve, reject, move up from the waitlist, check in.

Every change that moves places around first takes the event's lock (events.locking), then counts and
decides; who may is events.permissions, what an answer must be is events.answers, what the event allows
is events.registration_rules. Unique constraints back up what must be unique (one registration per email;
one waitlist place each). Services flush; the caller commits, which releases the lock.
"""
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail, signals, unit_of_work
from diaspora.codes import random_code
from diaspora.database import dialect_insert, rows_matched, utcnow
from diaspora.errors import NotFound, ServiceError
from diaspora.events import session_seats
from diaspora.events.answers import InvalidRegistration, RegistrationData, clean
from diaspora.events.locking import lock_event, lock_for_registration, recount
from diaspora.events.permissions import require
from diaspora.events.places import (
    places_left,
    places_taken,
    session_places_taken,
    waitlist_position,
)
from diaspora.events.registration_rules import (
    EventRules,
    RegistrationClosed,
    closed_message,
    event_rules,
    registration_state,
    rules_from_row,
    rules_of,
)
from diaspora.extensions import db
from diaspora.models import Event, EventSession, Registration, RegistrationSession
from diaspora.text import search_text

# What other modules import from here (the workflow's vocabulary), wherever it is defined.
__all__ = [
    "EventRules", "InvalidRegistration", "Outcome", "RegistrationClosed", "RegistrationData", "RegistrationRef",
    "approve", "cancel", "check_in", "clean", "closed_message", "event_rules", "lock_event", "places_left",
    "places_taken", "promote", "register", "registration_state", "reject", "session_places_taken",
    "update_registration", "waitlist_position",
]


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


# The registration path's statements, built once on the table (not the ORM entity): constructing and
# compiling them per request cost more than running them.
_registrations = Registration.__table__
_EXISTING = select(_registrations.c.id, _registrations.c.status, _registrations.c.token, _registrations.c.code,
                   _registrations.c.language).where(_registrations.c.event_id == bindparam("event_id"),
                                                    _registrations.c.email == bindparam("email"))
_UPDATE_BY_ID = update(_registrations).where(_registrations.c.id == bindparam("registration_id"))
_INSERTS: dict[object, object] = {}


def _insert_unless_registered(dialect: str):
    """INSERT ... ON CONFLICT (event_id, email) DO NOTHING RETURNING id: the duplicate check and the
    insert in one statement. Only that constraint is named, so a clash of check-in codes still raises."""
    if dialect not in _INSERTS:
        _INSERTS[dialect] = (dialect_insert(dialect, _registrations)
                             .on_conflict_do_nothing(index_elements=["event_id", "email"])
                             .returning(_registrations.c.id))
    return _INSERTS[dialect]


def _insert_and_mail(columns: tuple[str, ...]):
    """PostgreSQL: the same INSERT of these columns, and the mail reporting the new registration queued by the
    same statement (nothing is queued for a duplicate): one round trip less on the path a burst takes."""
    if columns not in _INSERTS:
        new = (dialect_insert("postgresql", _registrations)  # inside WITH, values are bound by name
               .values({name: bindparam(name, type_=_registrations.c[name].type) for name in columns})
               .on_conflict_do_nothing(index_elements=["event_id", "email"])
               .returning(_registrations.c.id).cte("new_registration"))
        _INSERTS[columns] = select(new.c.id).add_cte(mail.queue_later_for_each(new).cte("new_registration_mail"))
    return _INSERTS[columns]


# --- changes -------------------------------------------------------------------------------------

def _apply(registration: Registration, data: RegistrationData) -> None:
    for name in ("full_name", "phone", "country", "city", "home_region", "organization_id", "sector",
                 "project_title", "project_text", "answers", "public_listing", "language"):
        setattr(registration, name, getattr(data, name))
    registration.search_text = search_text(registration.full_name, registration.email, registration.city,
                                           registration.code)


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
    checked = rules
    row = lock_for_registration(rules.id, rules.slug)
    for _attempt in range(3):
        if row is not None:
            break
        # The id we know is no longer this slug's (the database was reset or restored while this process
        # ran): find the event by its slug and lock that one.
        fresh = event_rules(rules.slug, fresh=True)
        if fresh is None:
            raise NotFound(_("This page does not exist, or it is not public."))
        rules = fresh
        row = lock_for_registration(rules.id, rules.slug)
    else:
        raise NotFound(_("This page does not exist, or it is not public."))
    if row.updated_at != rules.updated_at:  # changed since it was read
        rules = rules_from_row(conn, row)
    if rules is not checked:  # check again, now that it holds still
        data = _check(rules, raw)
        values = _row(data, code, now, user_id)
    position = None
    if not row.last_registration_waitlisted:
        # a full session does not refuse anyone: the person waits for it (session_seats, below)
        values.update(status="pending" if rules.requires_approval else "confirmed", waitlist_seq=None)
    else:
        values.update(status="waitlisted", waitlist_seq=row.waitlist_seq)
        position = row.waiting
    params = {"event_id": rules.id, "email": data.email, "token": token, "code": code, "created_at": now, **values}
    # PostgreSQL queues the mail in the INSERT's own statement, worded for the registration's status when it
    # is sent (see notify); elsewhere it is queued below, one more statement.
    mailed = conn.dialect.name == "postgresql"
    if mailed:
        insert_statement = _insert_and_mail(tuple(params))
        params.update(notify.new_registration_params(rules.id, data.email, data.language))
    else:
        insert_statement = _insert_unless_registered(conn.dialect.name)
    registration_id = conn.execute(insert_statement, params).scalar_one_or_none()
    if registration_id is None:  # this email is registered already
        existing = conn.execute(_EXISTING, {"event_id": rules.id, "email": data.email}).one()
        if existing.status != "cancelled":
            recount(rules.id)  # nobody new: undo the counting above
            if not notify.link_sent_recently(data.email):  # not a way to flood someone's mailbox
                notify.queue(existing.id, data.email, existing.language, "registration_link")
            return Outcome(RegistrationRef(existing.id, existing.status, existing.token), created=False)
        # Cancelled before: the row comes back as a new registration, with what was typed now, a new
        # link and a new code. The old link stops working: whoever typed this address gets only what
        # they typed, never what the cancelled registration held (nor its delegation: the head no longer
        # sees or acts for them).
        registration_id = existing.id
        mailed = False
        conn.execute(_UPDATE_BY_ID, {"registration_id": registration_id, "token": token, "code": code,
                                     "checked_in_at": None, "checked_in_by_id": None, "reminded_at": None,
                                     "promoted_at": None, "delegation_id": None,  # registered alone now
                                     "created_at": now, **values})
        conn.execute(delete(RegistrationSession).where(RegistrationSession.registration_id == registration_id))
    if data.sessions:  # the one statement sessions add: seats decided by the database, under the lock
        session_seats.insert_links(conn, registration_id, data.sessions, holds=values["status"] != "waitlisted")
    if not mailed:
        notify.queue(registration_id, data.email, data.language, notify.NEW_REGISTRATION[values["status"]])
    return Outcome(RegistrationRef(registration_id, values["status"], token, position), created=True)


def update_registration(registration: Registration, data: RegistrationData) -> None:
    """The participant edits their answers from the private page (the email stays as it was)."""
    event = registration.event
    if event.status == "cancelled":
        raise RegistrationClosed(closed_message("cancelled"), None)
    if registration.status in ("cancelled", "rejected"):
        raise ServiceError(_("This registration is closed."), None)
    data.email = registration.email or ""  # a delegation's member may have none
    data.consent = True
    data = clean(event, data, email_required=registration.email is not None)
    lock_event(event.id)
    db.session.refresh(registration)  # its status may have changed while the form was open
    if registration.status in ("cancelled", "rejected"):
        raise ServiceError(_("This registration is closed."), None)
    _apply(registration, data)
    dropped = [link.session_id for link in registration.session_links if link.session_id not in data.sessions]
    registration.session_links = [link for link in registration.session_links if link.session_id in data.sessions]
    registration.session_links += [RegistrationSession(session_id=s, status="waiting", waiting_seq=None)
                                   for s in data.sessions if s not in registration.session_ids]
    db.session.flush()
    session_seats.place(registration)  # new choices: a seat, or the end of that session's line
    if dropped:
        session_seats.fill(event, dropped)


def cancel(registration: Registration, by: str = "person") -> list[Outcome[Registration]]:
    """The participant (or, `by` "delegation_head", their delegation's head) cancels; the first on the
    waitlist moves up. The person gets a mail confirming it (events.notify, on the "cancelled" change), and a
    delegation member's head is told when the member cancelled on their own; cancelling twice changes
    nothing."""
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status in ("cancelled", "rejected"):
        return []
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    registration.waitlist_seq = None
    db.session.flush()
    _changed(registration, "cancelled", by=by)
    return _freed(registration)


def _freed(registration: Registration) -> list[Outcome[Registration]]:
    """A registration let go of its place: its seats go to those waiting for them first, then the
    event's waitlist moves up (whose people then queue for full sessions behind them)."""
    session_seats.fill(registration.event, registration.session_ids)
    return promote(registration.event)


def _require_manager(user, registration: Registration) -> None:
    require(user, registration.event, "registrations")


def approve(user, registration: Registration) -> None:
    _require_manager(user, registration)
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status != "pending":
        raise ServiceError(_("Only registrations waiting for approval can be approved."), None)
    registration.status = "confirmed"
    _changed(registration, "confirmed")


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
    _changed(registration, "rejected")
    return _freed(registration)


def promote(event: Event) -> list[Outcome[Registration]]:
    """Fill free places from the waitlist, first come first served. Call with the event locked.
    Only while the event is on: a place freed in a cancelled or past event goes to nobody."""
    promoted: list[Outcome[Registration]] = []
    if event.status != "published" or event.ends_at < utcnow():
        db.session.flush()
        recount(event.id)
        return promoted
    free = None if event.capacity is None else event.capacity - places_taken(event)
    while free is None or free > 0:
        first = db.session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.waitlist_seq).limit(1))
        if first is None:
            break
        first.status = "pending" if event.requires_approval else "confirmed"
        first.waitlist_seq = None
        first.promoted_at = utcnow()
        db.session.flush()
        session_seats.park(first)
        session_seats.place(first)  # a full session: they wait for it now, rather than losing it
        _changed(first, "promoted")
        promoted.append(Outcome(first, created=False))
        if free is not None:
            free -= 1
    db.session.flush()
    recount(event.id)
    return promoted


def check_in(user, event: Event, code: str | None, session_id: int | None = None) -> tuple[str, Registration | None]:
    """("ok" | "already" | "not_confirmed" | "unknown", registration); at a session's door (session_id, a
    session that asks for check-in) also "waiting" (no seat yet) and "not_chosen". A second scanner at the
    same moment gets "already": the UPDATE only changes a row nobody has checked in."""
    require(user, event, "checkin")
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.code == code)) if code else None
    if registration is None:
        return "unknown", None
    if registration.status != "confirmed":
        return "not_confirmed", registration
    if session_id is not None:
        return session_seats.check_in(registration, session_id), registration
    checked_in = rows_matched(
        update(Registration).where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by_id=getattr(user, "id", None)))
    db.session.refresh(registration)
    return ("ok" if checked_in == 1 else "already"), registration


def _changed(registration: Registration, change: str, **details) -> None:
    """Announced, for the mail (events.notify) and whoever else listens: see diaspora.signals."""
    signals.registration_changed.send(registration, change=change, **details)
