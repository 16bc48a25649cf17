"""What organizers see: registrations filtered and searched, counts for the charts, reminders."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from diaspora import mail
from diaspora.database import binary_order, rows_matched, utcnow
from diaspora.events.notify import mail_participant
from diaspora.events.permissions import require_manager
from diaspora.extensions import db
from diaspora.models import Event, Registration, RegistrationSession
from diaspora.text import like_pattern
from diaspora.urls import external_url


@dataclass
class Filters:
    status: str | None = None
    country: str | None = None
    home_region: str | None = None
    session_id: int | None = None
    checked_in: bool | None = None
    q: str | None = None


def filtered(event: Event, filters: Filters):
    query = select(Registration).where(Registration.event_id == event.id)
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.country:
        query = query.where(Registration.country == filters.country)
    if filters.home_region:
        query = query.where(Registration.home_region == filters.home_region)
    if filters.session_id:
        query = query.where(Registration.id.in_(select(RegistrationSession.registration_id).where(
            RegistrationSession.session_id == filters.session_id)))
    if filters.checked_in is True:
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.checked_in is False:
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.q and filters.q.strip():
        query = query.where(Registration.search_text.like(like_pattern(filters.q), escape="\\"))
    return query


def page(event: Event, filters: Filters, number: int, size: int = 50) -> tuple[Sequence[Registration], int]:
    query = filtered(event, filters)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.scalars(query.order_by(Registration.created_at.desc(), Registration.id.desc())
                              .limit(size).offset((number - 1) * size)).all()
    return rows, total


def all_matching(event: Event, filters: Filters) -> Sequence[Registration]:
    return db.session.scalars(filtered(event, filters).order_by(
        binary_order(Registration.search_text), Registration.id)).all()


def _grouped(event: Event, column, holding_only: bool = True) -> list[tuple[str | None, int]]:
    query = select(column, func.count()).where(Registration.event_id == event.id)
    if holding_only:
        query = query.where(Registration.status.in_(("confirmed", "pending", "waitlisted")))
    rows = db.session.execute(query.group_by(column)).all()
    return sorted(rows, key=lambda row: (-row[1], str(row[0])))


def counts(event: Event) -> dict:
    """Figures for the dashboard: by status, country of residence, home region, sector, day, session."""
    by_status = dict(db.session.execute(select(Registration.status, func.count()).where(
        Registration.event_id == event.id).group_by(Registration.status)).all())
    checked_in = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.checked_in_at.is_not(None)))
    zone = ZoneInfo(event.timezone)
    days: dict = {}
    for (created,) in db.session.execute(select(Registration.created_at).where(Registration.event_id == event.id)):
        day = created.astimezone(zone).date()
        days[day] = days.get(day, 0) + 1
    sessions = dict(db.session.execute(
        select(RegistrationSession.session_id, func.count())
        .join(Registration, Registration.id == RegistrationSession.registration_id)
        .where(Registration.event_id == event.id, Registration.status.in_(("confirmed", "pending")))
        .group_by(RegistrationSession.session_id)).all())
    return {
        "status": by_status,
        "checked_in": checked_in,
        "country": _grouped(event, Registration.country),
        "home_region": _grouped(event, Registration.home_region),
        "sector": _grouped(event, Registration.sector),
        "day": sorted(days.items()),
        "sessions": sessions,
    }


def send_reminders(hours: int = 48, now=None) -> int:
    """Remind everyone coming to an event that starts within `hours`, once. Safe to run twice at once (two
    workers, or the worker and `flask send-reminders`): a registration is claimed by an UPDATE that only one
    of them can make."""
    now = now or utcnow()
    events = db.session.scalars(select(Event).where(
        Event.status == "published", Event.starts_at > now, Event.starts_at <= now + timedelta(hours=hours))).all()
    sent = 0
    for event in events:
        sent += _remind(event, now)
    return sent


def remind_soon(now) -> str:
    """The worker's hourly job: reminders for events starting within 48 hours, each person once."""
    return f"reminders queued: {send_reminders(hours=48, now=now)}"


def remind(user, event: Event, now=None) -> int:
    """The organizer's "send reminders now"."""
    require_manager(user, event)
    return _remind(event, now)


def _remind(event: Event, now=None) -> int:
    now = now or utcnow()
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status.in_(("confirmed", "pending")),
        Registration.reminded_at.is_(None))).all()
    sent = 0
    for registration_id in ids:
        claimed = rows_matched(update(Registration).where(
            Registration.id == registration_id, Registration.reminded_at.is_(None)).values(reminded_at=now))
        if claimed:
            mail_participant(db.session.get_one(Registration, registration_id), "event_reminder")
            sent += 1
    event.reminders_sent_at = now
    return sent


def message_participants(user, event: Event, filters: Filters, subject: str, body: str) -> int:
    """The organizer writes to everyone (or the filtered people) still concerned; each in their language,
    with the link to their registration. Returns how many."""
    require_manager(user, event)
    recipients = [r for r in all_matching(event, filters) if r.status in ("confirmed", "pending", "waitlisted")]
    for registration in recipients:
        mail.queue(registration.email, "events/organizer_message", registration.language, subject=subject,
                   body=body, event=event, registration=registration,
                   link=external_url("events.private", token=registration.token))
    return len(recipients)


def recipients_count(event: Event, filters: Filters) -> int:
    return sum(r.status in ("confirmed", "pending", "waitlisted") for r in all_matching(event, filters))
