"""Requests for help: asked without an account, never public, routed to the associations that fit,
accepted by one of them, followed through to the end, and forgotten after the retention period.

Who sees what:
- the person: everything, on the private page reached by the secret link;
- associations it was routed to: what is asked (category, city, language, urgency, the story), never
  the name or how to reach the person;
- the association that accepted: also the name, the contacts and the messages;
- site admins: what is asked, for coordination, without name or contacts;
- site coordinators (and site admins): the "needs a person" queue, what routing needs (escalation.py).
Every transition is logged with who and when. Services flush; the caller commits."""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from diaspora import signals
from diaspora.assistance import escalation, routing
from diaspora.assistance.notify import tell_association, tell_person
from diaspora.assistance.pin import hash_pin, new_pin
from diaspora.codes import random_code
from diaspora.database import rows_matched, utcnow
from diaspora.directory import contacts
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_city
from diaspora.i18n import country_codes, language_codes
from diaspora.models import Category, HelpEvent, HelpMessage, HelpRequest, HelpRoute, Membership, Organization
from diaspora.models.assistance import CLOSED_STATUSES, OPEN_STATUSES
from diaspora.validation import Errors, ValidationError, required_message

URGENCIES = ("today", "week", "any")
CONTACT_FIELDS = ("phone", "telegram", "whatsapp", "email")


class InvalidRequest(ValidationError):
    """A request for help with fields that break the rules."""


@dataclass
class RequestData:
    category: str = ""
    country: str = ""
    city: str = ""
    language: str = ""
    urgency: str = "any"
    description: str = ""
    name: str | None = None
    phone: str | None = None
    telegram: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    consent: bool = False


# --- validation ----------------------------------------------------------------------------------

def clean(data: RequestData) -> tuple[RequestData, Category]:
    """Everything checked at once: InvalidRequest has a message per field. Returns (data, category)."""
    errors = Errors()
    out = RequestData()
    slug = errors.text("category", data.category, 40, required=True)
    category = routing.category_by_slug(slug) if slug else None
    if slug and category is None:
        errors.add("category", _("Choose from the list."))
    country = (errors.text("country", data.country, 2, required=True) or "").upper()
    if country and country not in country_codes():
        errors.add("country", _("Choose a country from the list."))
    out.country = country
    out.city = errors.text("city", data.city, 120, required=True) or ""
    if out.city:
        # the city, never an address: what follows a comma goes, and a house number is refused
        out.city = out.city.split(",")[0].strip()
        if not out.city:
            errors.add("city", required_message())
        elif any(ch.isdigit() for ch in out.city):
            errors.add("city", _("Only the city, without a street or a house number."))
    language = (errors.text("language", data.language, 2, required=True) or "").lower()
    if language and language not in language_codes():
        errors.add("language", _("Choose from the list."))
    out.language = language
    if isinstance(data.urgency, str) and data.urgency in URGENCIES:
        out.urgency = data.urgency
    else:
        errors.add("urgency", _("Choose from the list."))
    out.description = errors.text("description", data.description, 5000, required=True, multiline=True) or ""
    out.name = errors.text("name", data.name, 120)
    phone = errors.text("phone", data.phone, 40)
    telegram = errors.text("telegram", data.telegram, 64)
    whatsapp = errors.text("whatsapp", data.whatsapp, 40)
    email = errors.text("email", data.email, 254)
    try:
        out.phone = contacts.normalize_phone(phone) if phone else None
    except contacts.ContactError as error:
        errors.add("phone", str(error.args[0]))
    if telegram:
        # a Telegram user name, or the phone number the account uses
        try:
            handle = contacts.normalize_handle("telegram", telegram)
            out.telegram = "@" + handle if handle else None
        except contacts.ContactError:
            try:
                out.telegram = contacts.normalize_phone(telegram)
            except contacts.ContactError:
                errors.add("telegram", _("Give your Telegram name (@name) or the phone number it uses."))
    try:
        out.whatsapp = contacts.normalize_whatsapp(whatsapp) if whatsapp else None
    except contacts.ContactError as error:
        errors.add("whatsapp", str(error.args[0]))
    if email:
        try:
            out.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add("email", _("Enter a valid email address."))
    if not any(getattr(out, name) for name in CONTACT_FIELDS) and not any(name in errors for name in CONTACT_FIELDS):
        errors.add("contact", _("Give at least one way to reach you: a phone, Telegram, WhatsApp or an email."))
    if data.consent is not True:
        errors.add("consent", _("We can only pass on your request with your consent."))
    out.consent = data.consent is True
    errors.raise_if_any(InvalidRequest)
    assert category is not None  # required: its absence is an error above
    return out, category


# --- who may see and do what ----------------------------------------------------------------------

def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def helper_org_ids(user) -> set[int]:
    """The published associations this person acts for (any role: volunteers take requests too)."""
    if not _authenticated(user):
        return set()
    return set(db.session.scalars(select(Membership.organization_id).join(
        Organization, Organization.id == Membership.organization_id).where(
        Membership.user_id == user.id, Organization.status == "published")))


def is_coordinator(user) -> bool:
    """Who reaches the coordination page: site admins and coordinators, and associations' people."""
    return _authenticated(user) and (escalation.routes_by_hand(user) or bool(helper_org_ids(user)))


def routed_org_ids(request: HelpRequest) -> set[int]:
    """The associations the request is open to now (not those that declined or gave it back)."""
    return set(db.session.scalars(select(HelpRoute.organization_id).where(
        HelpRoute.request_id == request.id, HelpRoute.state == "open")))


def can_view(user, request: HelpRequest) -> bool:
    """Site admins, the associations the request is open to, and the one that accepted it."""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    mine = helper_org_ids(user)
    return bool(mine & (routed_org_ids(request) | {request.accepted_org_id}))


def sees_contacts(user, request: HelpRequest) -> bool:
    """Only the association that accepted the request (site admins do not need them)."""
    return (_authenticated(user) and request.accepted_org_id is not None
            and request.accepted_org_id in helper_org_ids(user) and request.anonymised_at is None)


def require_view(user, request: HelpRequest) -> None:
    if not can_view(user, request):
        raise Forbidden(_("This request was not sent to your association."))


def require_helper(user, request: HelpRequest) -> None:
    if not sees_contacts(user, request):
        raise Forbidden(_("Only the association that accepted the request can do this."))


# --- the log and notices ---------------------------------------------------------------------------

def log(request: HelpRequest, action: str, *, user=None, organization_id=None, by_requester=False, note=None):
    db.session.add(HelpEvent(request_id=request.id, action=action, by_requester=by_requester,
                             user_id=user.id if _authenticated(user) else None, organization_id=organization_id,
                             note=note))
    request.last_activity_at = utcnow()


def _move(request: HelpRequest, allowed: tuple, extra=(), **values) -> None:
    """Change the request's state only if it still is in one of `allowed` (and matches `extra`): one
    conditional UPDATE, so two people acting at once (a double click, the person withdrawing while the
    association gives it back) cannot both succeed."""
    moved = rows_matched(update(HelpRequest).where(
        HelpRequest.id == request.id, HelpRequest.status.in_(allowed), *extra).values(
        **values, last_activity_at=utcnow()))
    if moved != 1:
        db.session.refresh(request)
        raise ServiceError(_("This cannot be done at this stage."), None)
    db.session.refresh(request)


# --- changes -------------------------------------------------------------------------------------

def create(data: RequestData) -> HelpRequest:
    return create_with_pin(data)[0]


def create_with_pin(data: RequestData) -> tuple[HelpRequest, str]:
    """The person's request: stored (contacts encrypted), placed at the city's centre, routed, or put in
    the coordinators' queue when no association fits. Returns it with its PIN, to be shown once."""
    data, category = clean(data)
    pin = new_pin()
    place = geocode_city(data.city, data.country)
    now = utcnow()
    request = HelpRequest(
        reference=_unique_reference(), token=secrets.token_urlsafe(32), category_id=category.id,
        country=data.country, city=data.city, language=data.language, urgency=data.urgency,
        description=data.description, name=data.name, phone=data.phone, telegram=data.telegram,
        whatsapp=data.whatsapp, email=data.email, consented_at=now, status="new", last_activity_at=now,
        pin_hash=hash_pin(pin),
        latitude=round(place.latitude, 4) if place else None, longitude=round(place.longitude, 4) if place else None)
    db.session.add(request)
    db.session.flush()
    log(request, "created", by_requester=True)
    route(request)
    escalation.escalate_if_unrouted(request)
    tell_person(request, "request_received")
    return request, pin


def _unique_reference() -> str:
    while True:
        reference = f"{random_code(4)}-{random_code(4)}"  # read out on a phone line
        if not db.session.scalar(select(HelpRequest.id).where(HelpRequest.reference == reference)):
            return reference


def route(request: HelpRequest) -> list[int]:
    """Send the request to the associations that fit and have not declined it, up to HELP_ROUTE_LIMIT open
    routes. Returns the ids of the associations it was newly sent to."""
    routes = db.session.scalars(select(HelpRoute).where(HelpRoute.request_id == request.id)).all()
    open_count = sum(r.state == "open" for r in routes)
    limit = current_app.config["HELP_ROUTE_LIMIT"]
    if open_count >= limit:
        return []
    found = routing.candidates(request, current_app.config["HELP_ROUTE_KM"],
                               exclude={r.organization_id for r in routes})
    rank = max((r.rank for r in routes), default=0)
    added = []
    for candidate in found[:limit - open_count]:
        rank += 1
        distance_km = None if candidate.distance_km is None else round(candidate.distance_km, 1)
        db.session.add(HelpRoute(request_id=request.id, organization_id=candidate.organization_id, rank=rank,
                                 distance_km=distance_km))
        added.append(candidate.organization_id)
    if added:
        if request.needs_person_since is not None:  # an association that fits has joined: no person needed
            request.needs_person_since, request.needs_person_reason = None, None
        db.session.flush()
        log(request, "routed", note=",".join(map(str, added)))
        for org_id in added:
            tell_association(org_id, request, "request_routed")
    return added


def accept(user, request: HelpRequest, org_id: int | None) -> None:
    """One association takes the request. Two accepting at the same moment: the UPDATE lets one through."""
    if org_id not in helper_org_ids(user):
        raise Forbidden(_("You do not act for this association."))
    route_row = db.session.get(HelpRoute, (request.id, org_id))
    if route_row is None or route_row.state != "open":
        raise Forbidden(_("This request was not sent to your association."))
    now = utcnow()
    taken = rows_matched(update(HelpRequest).where(
        HelpRequest.id == request.id, HelpRequest.status == "new").values(
        status="accepted", accepted_org_id=org_id, accepted_at=now, last_activity_at=now))
    if taken != 1:
        raise ServiceError(_("Another association has just accepted this request."), None)
    db.session.refresh(request)
    log(request, "accepted", user=user, organization_id=org_id)
    tell_person(request, "request_accepted", organization_id=org_id)


def _transition(user, request: HelpRequest, allowed: tuple, status: str, action: str, note=None) -> None:
    require_helper(user, request)
    now = utcnow()
    extra = {"resolved_at": now, "closed_at": now} if status == "resolved" else {}
    org_id = request.accepted_org_id
    _move(request, allowed, (HelpRequest.accepted_org_id == org_id,), status=status, **extra)
    log(request, action, user=user, organization_id=org_id, note=note)


def start(user, request: HelpRequest) -> None:
    _transition(user, request, ("accepted",), "in_progress", "in_progress")
    tell_person(request, "request_in_progress", organization_id=request.accepted_org_id)


def resolve(user, request: HelpRequest) -> None:
    _transition(user, request, ("accepted", "in_progress"), "resolved", "resolved")
    tell_person(request, "request_resolved")


def _give_back(request: HelpRequest, org_id: int, reason: str | None, *, user=None, action="cannot_help") -> None:
    """The request returns to the others: the association's route is closed, those still open are told,
    and the next in line get it."""
    _move(request, ("accepted", "in_progress"), (HelpRequest.accepted_org_id == org_id,),
          status="new", accepted_org_id=None, accepted_at=None)
    route_row = db.session.get(HelpRoute, (request.id, org_id))
    if route_row is not None:
        route_row.state, route_row.declined_at, route_row.decline_reason = "declined", utcnow(), reason
    log(request, action, user=user, organization_id=org_id, note=reason)
    db.session.flush()
    still_open = routed_org_ids(request)
    for other in still_open:
        tell_association(other, request, "request_available")
    route(request)
    escalation.escalate_if_unrouted(request)
    tell_person(request, "request_returned")


def cannot_help(user, request: HelpRequest, reason: str | None) -> None:
    """The association gives the request back, with a reason the others see; it goes to them again."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why, so the others know."), "reason")
    require_helper(user, request)
    assert request.accepted_org_id is not None  # require_helper: only the accepting association's people
    _give_back(request, request.accepted_org_id, reason, user=user)


def release_organization(org_id: int) -> int:
    """An association left the directory (unpublished or deleted): the requests it accepted and has not
    finished go back to the others, and it stops receiving new ones. Returns how many went back."""
    for route_row in db.session.scalars(select(HelpRoute).where(HelpRoute.organization_id == org_id,
                                                                HelpRoute.state == "open")):
        route_row.state, route_row.declined_at = "declined", utcnow()
    released = 0
    for request in db.session.scalars(select(HelpRequest).where(
            HelpRequest.accepted_org_id == org_id, HelpRequest.status.in_(("accepted", "in_progress")))).all():
        _give_back(request, org_id, None, action="released")
        released += 1
    return released


def decline(user, request: HelpRequest, org_id: int | None, reason: str | None) -> None:
    """An association it was sent to says, before accepting, that it cannot help: the next one gets it."""
    if org_id not in helper_org_ids(user):
        raise Forbidden(_("You do not act for this association."))
    reason = (reason or "").strip() or None
    closed = rows_matched(update(HelpRoute).where(
        HelpRoute.request_id == request.id, HelpRoute.organization_id == org_id, HelpRoute.state == "open").values(
        state="declined", declined_at=utcnow(), decline_reason=reason))
    if closed != 1:
        raise ServiceError(_("This cannot be done at this stage."), None)
    log(request, "declined", user=user, organization_id=org_id, note=reason)
    db.session.flush()
    if request.status == "new":
        route(request)
        escalation.escalate_if_unrouted(request)


def post_message(request: HelpRequest, body: str | None, *, user=None, by_requester=False) -> HelpMessage:
    errors = Errors()
    body = errors.text("body", body, 5000, multiline=True)
    errors.raise_if_any()
    if not body:
        raise ServiceError(_("Write a message first."), "body")
    if request.anonymised_at is not None or request.status in ("withdrawn", "closed"):
        raise ServiceError(_("This request is closed."), None)
    if not by_requester:
        require_helper(user, request)
    message = HelpMessage(request_id=request.id, from_requester=by_requester, body=body,
                          organization_id=None if by_requester else request.accepted_org_id,
                          user_id=None if by_requester else user.id)
    db.session.add(message)
    db.session.flush()  # its id, for the news in a linked Telegram chat
    log(request, "message", user=user, organization_id=message.organization_id, by_requester=by_requester)
    if by_requester and request.accepted_org_id:
        tell_association(request.accepted_org_id, request, "message_for_association")
    elif not by_requester:
        tell_person(request, "message_for_person", message_id=message.id)
    return message


def resolve_by_requester(request: HelpRequest) -> None:
    now = utcnow()
    _move(request, OPEN_STATUSES, status="resolved", resolved_at=now, closed_at=now)
    log(request, "resolved", by_requester=True)
    if request.accepted_org_id:
        tell_association(request.accepted_org_id, request, "request_closed_by_person")


def withdraw(request: HelpRequest) -> None:
    _move(request, OPEN_STATUSES, status="withdrawn", closed_at=utcnow())
    log(request, "withdrawn", by_requester=True)
    if request.accepted_org_id:
        tell_association(request.accepted_org_id, request, "request_closed_by_person")


def delete_by_requester(request: HelpRequest) -> None:
    """The person removes their request now: what identifies them goes; the counts stay."""
    if request.status in OPEN_STATUSES:
        withdraw(request)
    log(request, "deleted", by_requester=True)
    anonymise(request)


def anonymise(request: HelpRequest) -> None:
    """Remove the name, the contacts, the story, the messages and every free text written about the
    request; the private link stops working, and mail to the person not sent yet is not sent (its composer
    finds nothing to say). A city the gazetteer does not know is free text too: it goes."""
    for name in ("name", "phone", "telegram", "whatsapp", "email", "description"):
        setattr(request, name, None)
    if request.latitude is None:
        request.city = ""
    request.token = secrets.token_urlsafe(32)  # nobody holds this one
    request.anonymised_at = utcnow()
    db.session.execute(delete(HelpMessage).where(HelpMessage.request_id == request.id))
    db.session.execute(update(HelpEvent).where(HelpEvent.request_id == request.id).values(note=None))
    db.session.execute(update(HelpRoute).where(HelpRoute.request_id == request.id).values(decline_reason=None))
    signals.help_request_forgotten.send(request.id)


def retention(now: datetime | None = None) -> dict[str, int]:
    """Send requests nobody has accepted to associations that joined since; remind the person (and the
    association that accepted) about stale requests, close them when nothing happens after that; anonymise
    closed ones after HELP_RETENTION_DAYS. Idempotent: the worker runs it daily (or `flask help-retention`)."""
    config = current_app.config
    now = now or utcnow()
    stale_before = now - timedelta(days=config["HELP_STALE_DAYS"])
    close_before = now - timedelta(days=config["HELP_CLOSE_AFTER_REMINDER_DAYS"])
    done = {"reminded": 0, "closed": 0, "anonymised": 0}
    for request in db.session.scalars(select(HelpRequest).where(HelpRequest.status == "new")).all():
        route(request)
    for request in db.session.scalars(select(HelpRequest).where(
            HelpRequest.status.in_(OPEN_STATUSES), HelpRequest.last_activity_at < stale_before)):
        if request.reminded_at is None or request.reminded_at < request.last_activity_at:
            request.reminded_at = now
            db.session.add(HelpEvent(request_id=request.id, action="reminded", created_at=now))
            tell_person(request, "request_reminder")
            if request.accepted_org_id:
                tell_association(request.accepted_org_id, request, "request_stale")
            done["reminded"] += 1
        elif request.reminded_at < close_before:
            request.status = "closed"
            request.closed_at = now
            db.session.add(HelpEvent(request_id=request.id, action="closed", created_at=now,
                                     note="no activity"))
            tell_person(request, "request_closed")
            done["closed"] += 1
    forget_before = now - timedelta(days=config["HELP_RETENTION_DAYS"])
    for request in db.session.scalars(select(HelpRequest).where(
            HelpRequest.status.in_(CLOSED_STATUSES), HelpRequest.anonymised_at.is_(None),
            HelpRequest.closed_at < forget_before)):
        anonymise(request)
        request.anonymised_at = now
        db.session.add(HelpEvent(request_id=request.id, action="anonymised", created_at=now))
        done["anonymised"] += 1
    return done


def retention_job(now) -> str:
    """The worker's daily job: see retention."""
    return ", ".join(f"{what} {count}" for what, count in retention(now).items())


def release_on_unpublishing(organization_id: int, **details) -> None:
    """signals.organization_unpublished: the association's requests go back to the others."""
    release_organization(organization_id)


def by_token(token: str) -> HelpRequest | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(HelpRequest).where(HelpRequest.token == token,
                                                       HelpRequest.anonymised_at.is_(None)))
