"""Counting places: taken in the event and its sessions, left, and a waitlist position. Read without the
lock these are for display; under it (events.locking) they are what a decision is based on."""
from sqlalchemy import func, select

from diaspora.extensions import db
from diaspora.models import Event, EventSession, Registration, RegistrationSession
from diaspora.models.event import HOLDING


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


def full_sessions(event: Event, session_ids: list[int], exclude: Registration | None = None) -> list[EventSession]:
    """Chosen sessions that have no seat left (a registration's own seats do not count against it)."""
    limited = [(s, s.capacity) for s in event.sessions if s.id in session_ids and s.capacity is not None]
    taken = session_places_taken([s.id for s, _ in limited])
    own = set(exclude.session_ids) if exclude is not None and exclude.holds_place else set()
    return [s for s, capacity in limited if taken[s.id] - (1 if s.id in own else 0) >= capacity]


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id, Registration.status == "waitlisted",
        Registration.waitlist_seq <= registration.waitlist_seq))
