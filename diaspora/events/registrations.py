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

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from diaspora.database import utcnow
from diaspora.directory import contacts
from diaspora.errors import ServiceError
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.extensions import db
from diaspora.i18n import country_codes
from diaspora.models import Event, EventSession, Organization, Registration, RegistrationSession
from diaspora.models.event import HOLDING
from diaspora.text import search_text

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at the door


class RegistrationClosed(ServiceError):
    status = 409


class InvalidRegistration(ServiceError):
    """Several fields at once: {field: message}."""

    status = 422

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors))
        super().__init__(errors[first], first)
        self.errors = errors


@dataclass
class RegistrationData:
    full_name: str = ""
    email: str = ""
    phone: str | None = None
    country: str = ""
    city: str = ""
    home_region: str | None = None
    organization_id: int | None = None
    sector: str | None = None
    sessions: list[int] = field(default_factory=list)
    answers: dict = field(default_factory=dict)
    project_title: str | None = None
    project_text: str | None = None
    consent: bool = False
    public_listing: bool = False
    language: str = "ky"


@dataclass
class Outcome:
    registration: Registration
    created: bool  # False: this email was already registered; the private link was sent again
    dropped_sessions: list[EventSession] = field(default_factory=list)


# --- the lock ------------------------------------------------------------------------------------

def lock_event(event_id: int) -> None:
    """Take the event's lock for the rest of the transaction.

    SQLite: BEGIN IMMEDIATE takes the database's write lock now (a second writer waits for the busy
    timeout rather than failing later). Both: the UPDATE locks the event row (PostgreSQL holds it until
    commit) and leaves a trace that registrations changed."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.execute(update(Event).where(Event.id == event_id).values(lock_version=Event.lock_version + 1))


def places_taken(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(HOLDING)))


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

def registration_state(event: Event, now: datetime | None = None) -> str:
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
    value = " ".join((value or "").split()) if name != "project_text" else (value or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(max)d characters.", max=limit)
    return value or None


def clean(event: Event, data: RegistrationData) -> RegistrationData:
    """Normalise and check everything a person (or a partner's bot) sent; InvalidRegistration lists
    every problem at once, each with its field."""
    errors: dict[str, str] = {}
    out = RegistrationData(language=data.language if data.language in ("ky", "ru", "en") else "ky")
    out.full_name = _text(errors, "full_name", data.full_name, 200, required=True)
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
    out.city = _text(errors, "city", data.city, 120, required=True)
    if data.home_region not in (None, "") and data.home_region not in HOME_REGIONS:
        errors["home_region"] = _("Choose from the list.")
    out.home_region = data.home_region or None
    if data.sector not in (None, "") and data.sector not in SECTORS:
        errors["sector"] = _("Choose from the list.")
    out.sector = data.sector or None
    if data.organization_id not in (None, ""):
        try:
            org_id = int(data.organization_id)
        except (TypeError, ValueError):
            org_id = None
        org = db.session.get(Organization, org_id) if org_id and 0 < org_id < 2**31 else None
        if org is None or not org.is_published:
            errors["organization_id"] = _("Choose an association from the directory.")
        else:
            out.organization_id = org.id
    out.project_title = _text(errors, "project_title", data.project_title, 200)
    out.project_text = _text(errors, "project_text", data.project_text, 3000)
    if out.project_text and not out.project_title:
        errors.setdefault("project_title", _("Give your project a title."))
    known_sessions = {s.id for s in event.sessions}
    try:
        sessions = sorted({int(s) for s in data.sessions or []})
    except (TypeError, ValueError):
        sessions = []
        errors["sessions"] = _("Choose from the list.")
    if any(s not in known_sessions for s in sessions):
        errors["sessions"] = _("Choose from the list.")
    out.sessions = sessions
    out.answers = _clean_answers(event, data.answers if isinstance(data.answers, dict) else {}, errors)
    if data.consent is not True:
        errors["consent"] = _("We can only register you with your consent to the processing of your data.")
    out.consent = data.consent is True
    out.public_listing = data.public_listing is True
    if errors:
        raise InvalidRegistration(errors)
    return out


def _clean_answers(event: Event, answers: dict, errors: dict) -> dict:
    cleaned = {}
    for question in event.questions:
        key = str(question.id)
        value = answers.get(key, answers.get(question.id))
        field_name = f"answers.{key}"
        if question.kind == "text":
            text = " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""
            if len(text) > 1000:
                errors[field_name] = _("At most %(max)d characters.", max=1000)
            elif text:
                cleaned[key] = text
        elif question.kind == "yesno":
            if isinstance(value, str):
                value = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}.get(
                    value.strip().lower(), value)
            if value in (True, False):
                cleaned[key] = bool(value)
            elif value not in (None, ""):
                errors[field_name] = _("Answer yes or no.")
        else:  # choice: the option's index
            try:
                index = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                index = -1
            if index is not None and not 0 <= index < len(question.options or []):
                errors[field_name] = _("Choose from the list.")
            elif index is not None:
                cleaned[key] = index
        if question.required and key not in cleaned and field_name not in errors:
            errors[field_name] = _("This field is required.")
    return cleaned


# --- changes -------------------------------------------------------------------------------------

def _new_code(event_id: int) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not db.session.scalar(select(Registration.id).where(
                Registration.event_id == event_id, Registration.code == code)):
            return code


def _apply(registration: Registration, data: RegistrationData) -> None:
    for name in ("full_name", "phone", "country", "city", "home_region", "organization_id", "sector",
                 "project_title", "project_text", "answers", "public_listing", "language"):
        setattr(registration, name, getattr(data, name))
    registration.search_text = search_text(registration.full_name, registration.email, registration.city,
                                           registration.code)


def _full_sessions(event: Event, session_ids: list[int], exclude: Registration | None = None) -> list[EventSession]:
    """Chosen sessions that have no seat left (a registration's own seats do not count against it)."""
    limited = [s for s in event.sessions if s.id in session_ids and s.capacity is not None]
    taken = session_places_taken([s.id for s in limited])
    own = set(exclude.session_ids) if exclude is not None and exclude.holds_place else set()
    return [s for s in limited if taken[s.id] - (1 if s.id in own else 0) >= s.capacity]


def register(event: Event, data: RegistrationData, user=None) -> Outcome:
    """Register someone: confirmed (or pending, when the organizer approves each one) while places last,
    then the waitlist. The same email twice gets the first registration back, not a second one."""
    state = registration_state(event)
    if state != "open":
        raise RegistrationClosed(closed_message(state), None)
    data = clean(event, data)
    lock_event(event.id)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == data.email))
    if existing is not None and existing.status != "cancelled":
        _mail(existing, "registration_link")
        return Outcome(existing, created=False)
    registration = existing or Registration(event_id=event.id, email=data.email, token=secrets.token_urlsafe(32),
                                            code=_new_code(event.id))
    _apply(registration, data)
    registration.consented_at = utcnow()
    registration.user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    registration.cancelled_at = None
    registration.rejection_reason = None
    registration.waitlist_seq = None
    if event.capacity is None or places_taken(event) < event.capacity:
        full = _full_sessions(event, data.sessions)
        if full:
            raise InvalidRegistration({"sessions": _("No places left in: %(sessions)s. Choose other sessions.",
                                                     sessions=", ".join(s.title(data.language) for s in full))})
        registration.status = "pending" if event.requires_approval else "confirmed"
    else:
        registration.status = "waitlisted"
        registration.waitlist_seq = _next_waitlist_seq(event)
    registration.session_links = [RegistrationSession(session_id=s) for s in data.sessions]
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    _mail(registration, {"confirmed": "registration_confirmed", "pending": "registration_pending",
                         "waitlisted": "registration_waitlisted"}[registration.status])
    return Outcome(registration, created=True)


def _next_waitlist_seq(event: Event) -> int:
    db.session.execute(update(Event).where(Event.id == event.id).values(waitlist_seq=Event.waitlist_seq + 1))
    return db.session.scalar(select(Event.waitlist_seq).where(Event.id == event.id))


def update_registration(registration: Registration, data: RegistrationData) -> None:
    """The participant edits their answers from the private page (the email stays as it was)."""
    event = registration.event
    if registration.status in ("cancelled", "rejected"):
        raise ServiceError(_("This registration is closed."), None)
    data.email = registration.email
    data.consent = True
    data = clean(event, data)
    lock_event(event.id)
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


def cancel(registration: Registration) -> list[Outcome]:
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


def approve(registration: Registration) -> None:
    lock_event(registration.event_id)
    db.session.refresh(registration)
    if registration.status != "pending":
        raise ServiceError(_("Only registrations waiting for approval can be approved."), None)
    registration.status = "confirmed"
    _mail(registration, "registration_confirmed")


def reject(registration: Registration, reason: str) -> list[Outcome]:
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


def promote(event: Event) -> list[Outcome]:
    """Fill free places from the waitlist, first come first served. Call with the event locked."""
    promoted = []
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
        db.session.flush()
        _mail(first, "registration_promoted", dropped=[s.title(first.language) for s in full])
        promoted.append(Outcome(first, created=False, dropped_sessions=full))
        if free is not None:
            free -= 1
    return promoted


def check_in(event: Event, code: str, user) -> tuple[str, Registration | None]:
    """("ok" | "already" | "not_confirmed" | "unknown", registration). A second scanner at the same moment
    gets "already": the UPDATE only changes a row nobody has checked in."""
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.code == code)) if code else None
    if registration is None:
        return "unknown", None
    if registration.status != "confirmed":
        return "not_confirmed", registration
    result = db.session.execute(
        update(Registration).where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by_id=getattr(user, "id", None)))
    db.session.refresh(registration)
    return ("ok" if result.rowcount == 1 else "already"), registration


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


def messages_in(locale: str, fn, *args, **kwargs):
    """Run fn with messages in `locale` (the API answers in English)."""
    with force_locale(locale):
        return fn(*args, **kwargs)
