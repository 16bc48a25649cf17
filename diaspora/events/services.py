"""Events: creating and changing events, their programme and questions (who may: events.permissions).
Services flush; the caller commits."""
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, null, select

from diaspora import signals
from diaspora.content_i18n import I18nText, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.errors import Forbidden, ServiceError
from diaspora.events import locking, registrations, zones
from diaspora.events.dashboard import MAX_REMINDER_DAYS
from diaspora.events.permissions import (  # noqa: F401 - re-exported: routes ask services who may
    authenticated,
    can,
    can_create,
    can_manage,
    landing,
    organizations_for,
    require,
    require_manager,
    role_of,
)
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_address, geocode_city
from diaspora.models import Event, EventQuestion, EventSession, EventTeamMember, Registration
from diaspora.text import slugify, sort_key
from diaspora.validation import refuse_control_characters
from diaspora.weburl import InvalidURL, clean_web_url

Texts = Mapping[str, str] | I18nText


@dataclass
class EventData:
    """Translatable fields are {language code: text} (or I18nText)."""

    titles: Texts
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Asia/Bishkek"
    descriptions: Texts = field(default_factory=dict)
    organization_id: int | None = None
    venue_name: Texts = field(default_factory=dict)
    venue_address: Texts = field(default_factory=dict)
    city: str = ""
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    online_url: str | None = None
    reply_to: str | None = None
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    requires_approval: bool = False
    reminder_days_before: int | None = 2  # None: no scheduled reminder


@dataclass
class SessionData:
    titles: Texts
    starts_at: datetime
    ends_at: datetime
    room: Texts = field(default_factory=dict)
    capacity: int | None = None
    descriptions: Texts = field(default_factory=dict)
    checkin_required: bool = False


@dataclass
class QuestionData:
    kind: str
    labels: Texts
    options: list[dict[str, str]] = field(default_factory=list)  # one {language code: text} per option
    required: bool = False


def _check(data: EventData, user, event: Event | None = None) -> None:
    refuse_control_characters({"title": dict(data.titles), "description": dict(data.descriptions),
                               "venue_name": dict(data.venue_name), "venue_address": dict(data.venue_address),
                               "city": data.city, "online_url": data.online_url}, multiline=("description",))
    if not i18n(data.titles):
        raise ServiceError(_("Give the title in at least one language."), first_field("title"))
    zone = zones.canonical(data.timezone)
    if zone is None:
        raise ServiceError(_("Choose a time zone from the list, or type its name as in Asia/Bishkek."), "timezone")
    data.timezone = zone
    if data.reminder_days_before is not None and not 0 <= data.reminder_days_before <= MAX_REMINDER_DAYS:
        raise ServiceError(_("Enter a number from %(min)s to %(max)s.", min=0, max=MAX_REMINDER_DAYS),
                           "reminder_days_before")
    lat, lng = data.latitude, data.longitude
    if (lat is None) != (lng is None) or (
            lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)):
        raise ServiceError(_("Place the pin on the map, or give both latitude and longitude."), "latitude")
    if data.ends_at < data.starts_at:
        raise ServiceError(_("The event cannot end before it starts."), "ends_at")
    if data.registration_opens_at and data.registration_closes_at and \
            data.registration_closes_at < data.registration_opens_at:
        raise ServiceError(_("Registration cannot close before it opens."), "registration_closes_at")
    try:
        data.online_url = clean_web_url(data.online_url)
    except InvalidURL as error:
        raise ServiceError(str(error.message), "online_url") from None
    if data.reply_to:
        try:
            data.reply_to = validate_email(data.reply_to.strip(), check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ServiceError(_("Enter a valid email address."), "reply_to") from None
    if data.capacity is not None and data.capacity < 0:
        raise ServiceError(_("Enter a number from %(min)s to %(max)s.", min=0, max=1000000), "capacity")
    if event is not None and data.organization_id == event.organization_id:
        pass  # a team organizer edits the event without administering its association: it stays with it
    elif data.organization_id is None:
        if not user.is_admin:
            raise ServiceError(_("Choose the association that organizes the event."), "organization_id")
    elif not user.is_admin and data.organization_id not in {org.id for org in organizations_for(user)}:
        raise Forbidden(_("You can only organize events for associations you administer."))


def _unique_slug(data: EventData) -> str:
    titles = i18n(data.titles)
    title = titles["en"] or titles["ru"] or titles.any()  # Latin letters read best in an address
    year = str(data.starts_at.year)
    base = slugify(title if year in title else f"{title} {year}") or f"event-{year}"
    slug, n = base, 1
    while db.session.scalar(select(Event.id).where(Event.slug == slug)):
        n += 1
        slug = f"{base}-{n}" if n < 20 else f"{base}-{secrets.token_hex(3)}"
    return slug


def _place(event: Event, data: EventData) -> None:
    """The pin the organizer placed, or else found from the address or the city (the fallback)."""
    if data.latitude is not None and data.longitude is not None:
        event.latitude, event.longitude = round(data.latitude, 6), round(data.longitude, 6)
        return
    location = None
    address = i18n(data.venue_address)
    if address and data.city:
        location = geocode_address(address.any(), data.city, data.country)
    if location is None and data.city:
        location = geocode_city(data.city, data.country)
    event.latitude = round(location.latitude, 6) if location else None
    event.longitude = round(location.longitude, 6) if location else None


def _same_spot(a, b) -> bool:
    return b is not None and abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6


def _apply(event: Event, data: EventData) -> None:
    event.title, event.description = replaced(event.title, data.titles), replaced(event.description, data.descriptions)
    event.venue_name = replaced(event.venue_name, data.venue_name)
    event.venue_address = replaced(event.venue_address, data.venue_address)
    for name in ("timezone", "starts_at", "ends_at", "organization_id", "city",
                 "country", "online_url", "capacity", "registration_opens_at", "registration_closes_at",
                 "requires_approval", "reminder_days_before", "reply_to"):
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if value is None and name == "reminder_days_before":
            value = null()  # None on a new row would let the column's default (2 days) in
        setattr(event, name, value)
    event.city = event.city or ""
    event.online_url = event.online_url or None
    event.reply_to = event.reply_to or None
    event.country = event.country or None


def create_event(user, data: EventData) -> Event:
    if not can_create(user):
        raise Forbidden(_("Only admins of a published association can organize events."))
    _check(data, user)
    event = Event(slug=_unique_slug(data), created_by_id=user.id, status="draft")
    _apply(event, data)
    _place(event, data)
    db.session.add(event)
    db.session.flush()
    if user.id is not None:  # not for an event created as the site (`flask create-event`)
        # listed in its team, so they hear of new registrations from the first one (the daily digest, or as
        # they choose on the team page); the listing grants nothing (events.permissions.role_of)
        now = utcnow()
        db.session.add(EventTeamMember(event_id=event.id, user_id=user.id, email=user.email.strip().lower(),
                                       role="organizer", created_at=now, notified_until=now))
        db.session.flush()
    return event


def update_event(user, event: Event, data: EventData) -> list:
    """Save changes; more places fill them from the waitlist at once.

    The pin: where the organizer put it on the map; when they left it where it was and changed the address
    or the city, it follows them (geocoded), as it does when there is no pin."""
    require_manager(user, event)
    _check(data, user, event)
    place_changed = (i18n(data.venue_address), data.city, data.country) != (event.venue_address, event.city,
                                                                            event.country)
    pin_moved = data.latitude is not None and not _same_spot((data.latitude, data.longitude), event.position)
    _apply(event, data)
    if pin_moved or place_changed or data.latitude is None:
        if not pin_moved:
            data.latitude = data.longitude = None
        _place(event, data)
    db.session.flush()
    if event.status == "published":
        locking.lock_event(event.id)
        return registrations.promote(event)
    return []


def publish(user, event: Event) -> None:
    require_manager(user, event)
    if event.status != "draft":
        raise ServiceError(_("Only a draft can be published."), None)
    event.status = "published"
    signals.event_published.send(event)


def cancel_event(user, event: Event) -> int:
    """Cancel the event and tell everyone registered. Returns how many were told."""
    require_manager(user, event)
    event.status = "cancelled"
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status.in_(("confirmed", "pending", "waitlisted")))).all()
    from diaspora.events.notify import mail_participant

    for registration in people:
        mail_participant(registration, "event_cancelled")
    return len(people)


def _programme_changed(event: Event) -> None:
    # registering caches an event's sessions and questions by its updated_at (registration_rules.event_rules)
    event.updated_at = utcnow()
    db.session.flush()
    db.session.expire(event, ["sessions", "questions"])


def add_session(user, event: Event, data: SessionData) -> EventSession:
    require_manager(user, event)
    refuse_control_characters({"title": dict(data.titles), "room": dict(data.room),
                               "description": dict(data.descriptions)}, multiline=("description",))
    if not i18n(data.titles):
        raise ServiceError(_("Give the title in at least one language."), first_field("title"))
    if data.ends_at < data.starts_at:
        raise ServiceError(_("The session cannot end before it starts."), "ends_at")
    position = (db.session.scalar(select(func.max(EventSession.position)).where(
        EventSession.event_id == event.id)) or 0) + 1
    session = EventSession(event_id=event.id, starts_at=data.starts_at, ends_at=data.ends_at,
                           room=i18n(data.room), capacity=data.capacity, position=position,
                           title=i18n(data.titles), description=i18n(data.descriptions),
                           checkin_required=data.checkin_required)
    db.session.add(session)
    _programme_changed(event)
    return session


def delete_session(user, event: Event, session_id: int) -> None:
    require_manager(user, event)
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        raise ServiceError(_("No such session."), None)
    db.session.delete(session)
    _programme_changed(event)


def add_question(user, event: Event, data: QuestionData) -> EventQuestion:
    require_manager(user, event)
    if data.kind not in ("text", "choice", "yesno"):
        raise ServiceError(_("Choose from the list."), "kind")
    for texts in [{"label": dict(data.labels)}] + [{"options": option} for option in data.options]:
        refuse_control_characters(texts)
    if not i18n(data.labels):
        raise ServiceError(_("Give the question in at least one language."), first_field("label"))
    if data.kind == "choice" and len(data.options) < 2:
        raise ServiceError(_("Give at least two options, one per line."), first_field("options"))
    position = (db.session.scalar(select(func.max(EventQuestion.position)).where(
        EventQuestion.event_id == event.id)) or 0) + 1
    question = EventQuestion(event_id=event.id, kind=data.kind, required=data.required, position=position,
                             options=[i18n(option).as_dict() for option in data.options]
                             if data.kind == "choice" else [], label=i18n(data.labels))
    db.session.add(question)
    _programme_changed(event)
    return question


def delete_question(user, event: Event, question_id: int) -> None:
    require_manager(user, event)
    question = db.session.get(EventQuestion, question_id)
    if question is None or question.event_id != event.id:
        raise ServiceError(_("No such question."), None)
    db.session.delete(question)
    _programme_changed(event)


def upcoming(limit: int = 100, organization_id: int | None = None) -> Sequence[Event]:
    """Published events not over yet, soonest first (of one association when given)."""
    query = select(Event).where(Event.status == "published", Event.ends_at >= utcnow())
    if organization_id is not None:
        query = query.where(Event.organization_id == organization_id)
    return db.session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit)).all()


def organization_section(org):
    """The association's upcoming events on its page (diaspora.signals.organization_page)."""
    from diaspora.signals import PageSection

    if not org.is_published:
        return None
    return PageSection("events/_organization_events.html", order=10, events=upcoming(20, organization_id=org.id),
                       org=org)


def managed_by(user) -> Sequence[Event]:
    if not authenticated(user):
        return []
    query = select(Event).order_by(Event.starts_at.desc())
    if not user.is_admin:
        orgs = [org.id for org in organizations_for(user)]
        query = query.where(Event.organization_id.in_(orgs or [-1]))
    return db.session.scalars(query.limit(200)).all()


def public_participants(event: Event) -> list[Registration]:
    """Only those who said yes to appearing in the list, and only while they are coming."""
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.public_listing.is_(True),
        Registration.status == "confirmed")).all()
    return sorted(people, key=lambda registration: sort_key(registration.full_name))


def event_by_slug(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug))
