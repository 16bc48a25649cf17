"""The event's lock: every change that moves places around (register, cancel, approve, reject, capacity
changes) first takes it, then counts and decides. Two requests for one event are thereby serialised by the
database itself, on PostgreSQL by the event row's lock and on SQLite by its write lock (see
diaspora.database_locks), so the event and its sessions are never overbooked and waitlist places are handed
out once, in order. The lock is held until the transaction ends."""
from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.engine import Row

from diaspora.database_locks import begin_writing
from diaspora.extensions import db
from diaspora.models import Event, Registration
from diaspora.models.event import HOLDING

# Built once on the tables (not the ORM entities): constructing and compiling them per request cost more
# than running them on the registration path.
_events, _registrations = Event.__table__, Registration.__table__
EVENT_FIELDS = (_events.c.id, _events.c.slug, _events.c.status, _events.c.capacity, _events.c.requires_approval,
                _events.c.registration_opens_at, _events.c.registration_closes_at, _events.c.ends_at,
                _events.c.updated_at)
# updated_at is named so that its onupdate default does not fire: it dates changes to the event itself
_LOCK = update(_events).where(_events.c.id == bindparam("event_id")).values(
    lock_version=_events.c.lock_version + 1, updated_at=_events.c.updated_at)
# ... and for a registration, the decision too, taken by the statement that takes the lock: a place
# while places_taken < capacity, else the waitlist (with a fresh waitlist number: positions are ranks,
# so numbers drawn and not used do not matter, and the unique constraint gives each one once). All the
# right-hand sides see the row as it was, before this statement. The slug is part of the condition: an
# id that a process remembers may belong to another event by now (a database reset or restore).
_FULL = and_(_events.c.capacity.is_not(None), _events.c.places_taken >= _events.c.capacity)
_LOCK_FOR_REGISTRATION = update(_events).where(
    _events.c.id == bindparam("event_id"), _events.c.slug == bindparam("event_slug")).values(
    lock_version=_events.c.lock_version + 1,
    places_taken=_events.c.places_taken + case((_FULL, 0), else_=1),
    waiting=_events.c.waiting + case((_FULL, 1), else_=0),
    waitlist_seq=_events.c.waitlist_seq + case((_FULL, 1), else_=0),
    last_registration_waitlisted=_FULL,
    updated_at=_events.c.updated_at,
).returning(_events.c.waitlist_seq, _events.c.waiting, _events.c.last_registration_waitlisted, *EVENT_FIELDS)
# The counters from the rows: every change but a new registration ends with this, under the lock.
_RECOUNT = update(_events).where(_events.c.id == bindparam("event_id")).values(
    places_taken=select(func.count()).where(_registrations.c.event_id == _events.c.id,
                                            _registrations.c.status.in_(HOLDING)).scalar_subquery(),
    waiting=select(func.count()).where(_registrations.c.event_id == _events.c.id,
                                       _registrations.c.status == "waitlisted").scalar_subquery(),
    updated_at=_events.c.updated_at)


def lock_event(event_id: int) -> None:
    """Take the event's lock for the rest of the transaction: the UPDATE locks the event row (PostgreSQL
    holds it until commit; SQLite's write lock is taken before it) and leaves a trace that registrations
    changed."""
    begin_writing().execute(_LOCK, {"event_id": event_id})


def lock_for_registration(event_id: int, slug: str) -> Row | None:
    """Lock the event and count one more registration in it, if the event `event_id` still has this slug:
    the row as it is now (with what the counting decided), or None."""
    return begin_writing().execute(_LOCK_FOR_REGISTRATION, {"event_id": event_id, "event_slug": slug}).first()


def recount(event_id: int) -> None:
    """The event's counters from its registrations (call with the event locked, after a flush)."""
    db.session.execute(_RECOUNT, {"event_id": event_id})
