"""Counting places: taken in the event and its sessions, left, and a waitlist position. Read without the
lock these are for display; under it (events.locking) they are what a decision is based on."""
from sqlalchemy import func, select

from diaspora.extensions import db
from diaspora.models import Event, Registration, RegistrationSession
from diaspora.models.event import HOLDING


def places_taken(event: Event) -> int:
    return db.session.execute(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(HOLDING))).scalar_one()


def session_places_taken(session_ids: list[int]) -> dict[int, int]:
    """Seats taken: seated links of registrations holding a place (events.session_seats)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(RegistrationSession.session_id, func.count())
        .join(Registration, Registration.id == RegistrationSession.registration_id)
        .where(RegistrationSession.session_id.in_(session_ids), RegistrationSession.status == "seated",
               Registration.status.in_(HOLDING))
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
