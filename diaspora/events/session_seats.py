"""Seats in the programme's sessions: a chosen session is "seated" while it has room, else the person
waits for it, in the order of a number handed out per session. A full session never refuses the
registration. Only seated links of registrations holding a place (HOLDING) count against a session's
capacity; a registration waiting for the event itself waits for its sessions without a number, and is
placed when it moves up (promote).

Every function here runs under the event's lock (events.locking.lock_event), which is what makes the
counts true and the numbers unique; the unique constraint (session_id, waiting_seq) backs it up. When a
seat frees (a cancellation, a rejection, a session un-chosen, more capacity) `fill` gives it to the first
waiting person and announces it (signals.session_seated: the mail "you have a seat in …")."""
from collections.abc import Iterable

from sqlalchemy import Integer, and_, bindparam, case, cast, func, insert, literal, literal_column, null, select, update
from sqlalchemy.orm import aliased

from diaspora import signals
from diaspora.events.places import session_places_taken
from diaspora.extensions import db
from diaspora.models import Event, EventSession, Registration, RegistrationSession
from diaspora.models.event import HOLDING

_links, _registrations, _sessions = (RegistrationSession.__table__, Registration.__table__,
                                     EventSession.__table__)


def _seated_count(session_id_column):
    """Seats taken in a session: seated links of registrations that hold a place."""
    seated = _links.alias("seated")
    holder = _registrations.alias("holder")
    return (select(func.count()).select_from(seated.join(holder, holder.c.id == seated.c.registration_id))
            .where(seated.c.session_id == session_id_column, seated.c.status == "seated",
                   holder.c.status.in_(HOLDING)).scalar_subquery())


def _next_number(session_id_column):
    numbered = _links.alias("numbered")
    return (select(func.coalesce(func.max(numbered.c.waiting_seq), 0) + 1)
            .where(numbered.c.session_id == session_id_column).scalar_subquery())


_FULL = and_(_sessions.c.capacity.is_not(None), _seated_count(_sessions.c.id) >= _sessions.c.capacity)
_COLUMNS = ["registration_id", "session_id", "status", "waiting_seq"]
_REGISTRATION_ID = cast(bindparam("registration_id"), Integer)
_CHOSEN = _sessions.c.id.in_(bindparam("session_ids", expanding=True))
# A new registration's links in one statement, each decided by the database under the lock: a seat while
# the session has room, else the next waiting number ...
_INSERT_DECIDED = insert(_links).from_select(_COLUMNS, select(
    bindparam("registration_id"), _sessions.c.id,
    case((_FULL, literal("waiting")), else_=literal("seated")),
    case((_FULL, _next_number(_sessions.c.id)), else_=null())).where(_CHOSEN))
# ... or, while the registration itself waits for a place in the event, waiting without a number.
_INSERT_PARKED = insert(_links).from_select(_COLUMNS, select(
    _REGISTRATION_ID, _sessions.c.id, literal_column("'waiting'"), null()).where(_CHOSEN))


def insert_links(conn, registration_id: int, session_ids: list[int], holds: bool) -> None:
    """The chosen sessions of a registration just made (events.registrations._register): one statement."""
    conn.execute(_INSERT_DECIDED if holds else _INSERT_PARKED,
                 {"registration_id": registration_id, "session_ids": session_ids})


def seats_taken(session_ids: Iterable[int]) -> dict[int, int]:
    return session_places_taken(list(session_ids))


def _free(session: EventSession, taken: dict[int, int]) -> int | None:
    return None if session.capacity is None else max(session.capacity - taken.get(session.id, 0), 0)


def _current_sessions(event_id: int) -> list[EventSession]:
    """The event's sessions as they are now. Called under the event's lock: capacities loaded before it (the
    form, the registration's checks) may be stale, and seats counted against them could overbook or stay empty.
    Flushed first, so that this request's own changes are what is read back."""
    return list(db.session.scalars(select(EventSession).where(EventSession.event_id == event_id)
                                   .order_by(EventSession.starts_at, EventSession.position, EventSession.id)
                                   .execution_options(populate_existing=True)))


def place(registration: Registration) -> None:
    """Seat a registration that holds a place in each chosen session it has no seat or number in yet (new
    choices, or all of them when it moved up from the event's waitlist); in a full one it waits, last."""
    if not registration.holds_place:
        return
    todo = [link for link in registration.session_links
            if link.status == "waiting" and link.waiting_seq is None]
    if not todo:
        return
    db.session.flush()
    sessions = {s.id: s for s in _current_sessions(registration.event_id)}
    taken = seats_taken(link.session_id for link in todo)
    for link in todo:
        session = sessions.get(link.session_id)
        free = _free(session, taken) if session is not None else None
        if free is None or free > 0:
            link.status, link.waiting_seq = "seated", None
            taken[link.session_id] = taken.get(link.session_id, 0) + 1
        else:
            link.status = "waiting"
            link.waiting_seq = db.session.scalar(select(_next_number(literal(link.session_id))))
            db.session.flush()  # the next number drawn sees this one


def park(registration: Registration) -> None:
    """A registration that waits for the event again: its sessions wait without a number (then `place`)."""
    for link in registration.session_links:
        link.status, link.waiting_seq = "waiting", None


def fill(event: Event, session_ids: Iterable[int] | None = None) -> list[RegistrationSession]:
    """Give free seats to the first waiting people of these sessions (all of the event's by default), in
    order; each is told (signals.session_seated). Only while the event is on."""
    from diaspora.database import utcnow

    if event.status != "published" or event.ends_at < utcnow():
        return []
    wanted = set(session_ids) if session_ids is not None else None
    db.session.flush()
    sessions = [s for s in _current_sessions(event.id) if wanted is None or s.id in wanted]
    taken = seats_taken(s.id for s in sessions if s.capacity is not None)
    seated: list[RegistrationSession] = []
    for session in sessions:
        free = _free(session, taken)
        if free == 0:
            continue
        waiting = select(RegistrationSession).join(
            Registration, Registration.id == RegistrationSession.registration_id).where(
            RegistrationSession.session_id == session.id, RegistrationSession.status == "waiting",
            RegistrationSession.waiting_seq.is_not(None), Registration.status.in_(HOLDING)).order_by(
            RegistrationSession.waiting_seq)
        for link in db.session.scalars(waiting if free is None else waiting.limit(free)).all():
            link.status, link.waiting_seq = "seated", None
            seated.append(link)
    db.session.flush()
    for link in seated:
        registration = db.session.get(Registration, link.registration_id)
        signals.session_seated.send(registration, session_id=link.session_id)
    return seated


def positions(links: Iterable[RegistrationSession]) -> dict[int, int]:
    """{session id: position among those waiting for it} for a registration's waiting links."""
    out = {}
    for link in links:
        if link.status != "waiting" or link.waiting_seq is None:
            continue
        ahead = aliased(RegistrationSession)
        out[link.session_id] = db.session.execute(
            select(func.count()).select_from(ahead).join(Registration, Registration.id == ahead.registration_id)
            .where(ahead.session_id == link.session_id, ahead.status == "waiting",
                   ahead.waiting_seq <= link.waiting_seq, Registration.status.in_(HOLDING))).scalar_one()
    return out


def check_in(registration: Registration, session_id: int) -> str:
    """At a session's door: "ok", "already", "waiting" (no seat yet) or "not_chosen"."""
    from diaspora.database import rows_matched, utcnow

    link = next((link for link in registration.session_links if link.session_id == session_id), None)
    if link is None:
        return "not_chosen"
    if link.status != "seated":
        return "waiting"
    done = rows_matched(update(RegistrationSession).where(
        RegistrationSession.registration_id == registration.id, RegistrationSession.session_id == session_id,
        RegistrationSession.checked_in_at.is_(None)).values(checked_in_at=utcnow()))
    db.session.refresh(link)
    return "ok" if done == 1 else "already"
