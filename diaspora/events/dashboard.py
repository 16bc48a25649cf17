"""What organizers see: registrations filtered and searched, counts for the charts, reminders."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import false as sa_false

from diaspora import mail
from diaspora.database import binary_order, rows_matched, utcnow
from diaspora.errors import ServiceError
from diaspora.events.notify import mail_participant
from diaspora.events.permissions import require, require_manager
from diaspora.extensions import db
from diaspora.models import Event, Project, Registration, RegistrationSession
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
    # an answer to one of the organizer's questions: (question id, "3" (a choice's index) | "yes" | "no" |
    # "any" (answered) | "none" (not answered))
    answer: tuple[int, str] | None = None
    delegation_id: int | None = None  # the members of one delegation


ANSWER_KEYS = ("yes", "no", "any", "none")


def parse_answer(text: str | None) -> tuple[int, str] | None:
    """The list's "answer" filter, "<question id>:<value>"; None for anything else."""
    question, _sep, value = (text or "")[:24].partition(":")
    if not question.isdigit() or not 0 < int(question) < 2**31:
        return None
    if value in ANSWER_KEYS or (value.isdigit() and int(value) < 1000):
        return int(question), value
    return None


def _answer_clause(event: Event, question_id: int, answer: str):
    """The condition on the JSON answers (the same on SQLite and PostgreSQL); false for an unknown question."""
    question = next((q for q in event.questions if q.id == question_id), None)
    if question is None:
        return sa_false()
    value = Registration.answers[str(question.id)]
    if answer == "none":
        return or_(value.as_string().is_(None), value.as_string() == "") if question.kind == "text" \
            else value.as_string().is_(None)
    if answer == "any":
        return and_(value.as_string().is_not(None), value.as_string() != "") if question.kind == "text" \
            else value.as_string().is_not(None)
    if question.kind == "yesno" and answer in ("yes", "no"):
        return value.as_boolean() == (answer == "yes")
    if question.kind == "choice" and answer.isdigit():
        return value.as_integer() == int(answer)
    return sa_false()


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
    if filters.answer is not None:
        query = query.where(_answer_clause(event, *filters.answer))
    if filters.delegation_id:
        query = query.where(Registration.delegation_id == filters.delegation_id)
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
        "answers": answer_counts(event),
    }


def answer_counts(event: Event) -> list[dict]:
    """For each question, how many people (coming or waiting) gave each answer: [{"question", "rows":
    [(filter value, label, n), ...]}], the options in their order, then "no answer". Text answers are
    counted as answered or not."""
    answers = db.session.scalars(select(Registration.answers).where(
        Registration.event_id == event.id, Registration.status.in_(("confirmed", "pending", "waitlisted")))).all()
    out = []
    for question in event.questions:
        given = [(a or {}).get(str(question.id)) for a in answers]
        unanswered = sum(v is None or v == "" for v in given)
        if question.kind == "choice":
            rows = [(str(i), label, sum(v == i for v in given if not isinstance(v, bool)))
                    for i, label in enumerate(question.option_labels())]
        elif question.kind == "yesno":
            rows = [("yes", _("Yes"), sum(v is True for v in given)), ("no", _("No"), sum(v is False for v in given))]
        else:
            rows = [("any", _("Answered"), len(given) - unanswered)]
        out.append({"question": question, "rows": [*rows, ("none", _("No answer"), unanswered)]})
    return out


# How far ahead the scheduled reminder may be set, and how far ahead "send now" is still a reminder.
MAX_REMINDER_DAYS = 60
REMIND_NOW_AT_MOST = timedelta(days=MAX_REMINDER_DAYS)
# Who is reminded: only people who are coming (never pending, waitlisted, cancelled or rejected ones).
REMINDED = ("confirmed",)


class TooEarlyToRemind(ServiceError):
    """"Send reminders now" for an event still months away."""


def send_reminders(hours: int | None = None, now=None) -> int:
    """The scheduled reminders: to everyone confirmed for an event whose reminder time has come (its
    `reminder_days_before` before the start; with `hours`, every event starting within that many hours),
    once per person (Registration.reminded_at). Safe to run twice at once (two workers, or the worker and
    `flask send-reminders`): a registration is claimed by an UPDATE that only one of them can make."""
    now = now or utcnow()
    horizon = timedelta(hours=hours) if hours is not None else timedelta(days=MAX_REMINDER_DAYS)
    events = db.session.scalars(select(Event).where(
        Event.status == "published", Event.starts_at > now, Event.starts_at <= now + horizon)).all()
    sent = 0
    for event in events:
        if hours is None and (event.reminder_days_before is None
                              or event.starts_at - timedelta(days=event.reminder_days_before) > now):
            continue
        sent += _remind_scheduled(event, now)
    return sent


def remind_soon(now) -> str:
    """The worker's hourly job: each event's scheduled reminder, each person once."""
    return f"reminders queued: {send_reminders(now=now)}"


def remind(user, event: Event, now=None) -> int:
    """The organizer's "send reminders now": to everyone confirmed, now, worded for the time really left
    (the mail says in how many days the event starts, composed when it goes out).

    It is refused for an event more than MAX_REMINDER_DAYS away (a "reminder" then is news, better sent with
    "write to participants"), and it leaves the scheduled reminder alone: people still get that one, at its
    time, since a reminder sent weeks ahead is forgotten by the day. Each person's scheduled reminder is
    Registration.reminded_at; this one is only noted on the event (reminders_sent_at)."""
    require_manager(user, event)
    now = now or utcnow()
    if event.status != "published" or event.starts_at <= now:
        raise ServiceError(_("Reminders go out only for a published event that has not started yet."), None)
    if event.starts_at - now > REMIND_NOW_AT_MOST:
        raise TooEarlyToRemind(_("The event is more than %(num)d days away: too early for a reminder. Write to "
                                 "the participants instead; the scheduled reminder goes out by itself.",
                                 num=MAX_REMINDER_DAYS), None)
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status.in_(REMINDED))).all()
    for registration_id in ids:
        mail_participant(db.session.get_one(Registration, registration_id), "event_reminder")
    event.reminders_sent_at = now
    return len(ids)


def _remind_scheduled(event: Event, now) -> int:
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status.in_(REMINDED),
        Registration.reminded_at.is_(None))).all()
    sent = 0
    for registration_id in ids:
        claimed = rows_matched(update(Registration).where(
            Registration.id == registration_id, Registration.reminded_at.is_(None)).values(reminded_at=now))
        if claimed:
            mail_participant(db.session.get_one(Registration, registration_id), "event_reminder")
            sent += 1
    return sent


def message_participants(user, event: Event, filters: Filters, subject: str, body: str) -> int:
    """The organizer writes to everyone (or the filtered people) still concerned; each in their language,
    with the link to their registration. Returns how many."""
    require(user, event, "registrations")
    recipients = [r for r in all_matching(event, filters)
                  if r.status in ("confirmed", "pending", "waitlisted") and r.email]  # a member may have none
    for registration in recipients:
        assert registration.email is not None  # chosen above
        mail.queue(registration.email, "events/organizer_message", registration.language, subject=subject,
                   body=body, event=event, registration=registration,
                   link=external_url("events.private", token=registration.token))
    return len(recipients)


def recipients_count(event: Event, filters: Filters) -> int:
    return sum(r.status in ("confirmed", "pending", "waitlisted") and bool(r.email)
               for r in all_matching(event, filters))


def project_counts(event: Event) -> dict:
    """Project proposals by status, and the live ones (not withdrawn) by region and sector, with the amounts
    sought summed per currency: {"status": {...}, "home_region": [(key, n)], "sector": [(key, n)],
    "amounts": [(currency, sum)], "total": n}."""
    live = (Project.event_id == event.id, Project.status != "withdrawn")

    def grouped(column):
        return db.session.execute(select(column, func.count()).where(*live).group_by(column)
                                  .order_by(func.count().desc(), column)).all()
    status = dict(db.session.execute(select(Project.status, func.count()).where(Project.event_id == event.id)
                                     .group_by(Project.status)).all())
    amounts = db.session.execute(select(Project.currency, func.sum(Project.amount)).where(
        *live, Project.amount.is_not(None)).group_by(Project.currency).order_by(Project.currency)).all()
    return {"status": status, "home_region": [tuple(row) for row in grouped(Project.home_region)],
            "sector": [tuple(row) for row in grouped(Project.sector)],
            "amounts": [(currency, int(total or 0)) for currency, total in amounts], "total": sum(status.values())}
