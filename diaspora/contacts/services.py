"""Emergency and official contacts: who may add or change them, moderation, reports of a wrong number, and
what each page reads. Services flush; the request (or command) commits once.

Site admins (the moderators) add, change, publish, hide and verify contacts. The admins of a published
association propose new contacts or changes: a proposal waits (pending) until a moderator publishes it; a
change is a row of its own that replaces the published one only then. Anyone may report a wrong number: the
moderators get a mail at once, through the outbox."""
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select

from diaspora import mail
from diaspora.content_i18n import I18nText, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.directory.contacts import ContactError, normalize_handle, normalize_whatsapp
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.geo.distance import bounding_boxes, haversine_km
from diaspora.geo.geocoder import geocode_city
from diaspora.i18n import country_codes, language_codes
from diaspora.models import Contact, ContactReport, Membership, Organization, User
from diaspora.models.contact import CONTACT_KINDS, REPORT_PROBLEMS
from diaspora.text import fold, like_pattern, search_text, sort_key
from diaspora.validation import Errors

# What a page about a person's country shows first (the home page, a request's page).
KEY_KINDS = ("emergency", "embassy", "consulate", "hotline")
EDITING_ROLES = ("owner", "admin")
# "112", "+7 (495) 123-45-67": a short national number has as few as two digits
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{2,30}$")


@dataclass
class ContactData:
    """What a person says about a contact (from a form, the CLI or the demo)."""

    kind: str
    name: Mapping[str, str] | I18nText
    country: str
    city: str | None = None
    phone: str | None = None
    whatsapp: str | None = None
    telegram: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hours: str | None = None
    languages: list[str] = field(default_factory=list)


FIELDS = ("kind", "name", "country", "city", "phone", "whatsapp", "telegram", "address", "latitude", "longitude",
          "hours", "languages")


def phone_href(phone: str) -> str:
    """tel:+74951234567, tel:112: built from digits only, never from what is stored."""
    return "tel:" + ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


def whatsapp_href(number: str) -> str:
    return "https://wa.me/" + re.sub(r"\D", "", number)


def telegram_href(handle: str) -> str:
    return "https://t.me/" + handle


# --- checking ------------------------------------------------------------------------------------------

def _phone(errors: Errors, value: str | None) -> str | None:
    value = errors.text("phone", value, 40)
    if value and (not _PHONE.match(value) or not 2 <= len(re.sub(r"\D", "", value)) <= 15):
        errors.add("phone", _("Give a phone number: digits, with the country code for a long one "
                              "(+7 495 123-45-67), or a short number such as 112."))
    return value


def clean(data: ContactData) -> ContactData:
    """The data as stored, or ValidationError naming every field at fault."""
    errors = Errors()
    kind = data.kind if data.kind in CONTACT_KINDS else None
    if kind is None:
        errors.add("kind", _("Choose from the list."))
    names = {}
    for lang, text in i18n(data.name).as_dict().items():
        names[lang] = errors.text(f"name_{lang}", text, 200)
    name = I18nText({lang: text for lang, text in names.items() if text})
    if not name and first_field("name") not in errors:
        errors.add(first_field("name"), _("Give the name in at least one language."))
    country = (data.country or "").strip().upper()
    if country not in country_codes():
        errors.add("country", _("Choose a country."))
    city = errors.text("city", data.city, 120)
    phone = _phone(errors, data.phone)
    whatsapp = telegram = None
    try:
        whatsapp = normalize_whatsapp(errors.text("whatsapp", data.whatsapp, 40))
    except ContactError as error:
        errors.add("whatsapp", str(error))
    try:
        telegram = normalize_handle("telegram", errors.text("telegram", data.telegram, 100))
    except ContactError as error:
        errors.add("telegram", str(error))
    if not (phone or whatsapp or telegram) and not {"phone", "whatsapp", "telegram"} & set(errors.messages):
        errors.add("phone", _("Give at least a phone number, a WhatsApp number or a Telegram account."))
    address = errors.text("address", data.address, 300)
    hours = errors.text("hours", data.hours, 300)
    languages = [code for code in dict.fromkeys(data.languages or []) if code]
    if any(code not in language_codes() for code in languages):
        errors.add("languages", _("Choose from the list."))
    lat, lng = data.latitude, data.longitude
    if (lat is None) != (lng is None):
        errors.add("latitude" if lat is None else "longitude", _("Give both the latitude and the longitude."))
    elif lat is not None and lng is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lng) <= 180):
        errors.add("latitude", _("A latitude is between -90 and 90, a longitude between -180 and 180."))
    errors.raise_if_any()
    return ContactData(kind=kind or "", name=name, country=country, city=city, phone=phone, whatsapp=whatsapp,
                       telegram=telegram, address=address, latitude=None if lat is None else float(lat),
                       longitude=None if lng is None else float(lng), hours=hours, languages=languages)


# --- who may -------------------------------------------------------------------------------------------

def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_moderator(user) -> bool:
    return _authenticated(user) and bool(user.is_admin)


def require_moderator(user) -> None:
    if not is_moderator(user):
        raise Forbidden(_("Only site moderators can do this."))


def proposing_organizations(user) -> Sequence[Organization]:
    """The published associations `user` is an admin of: they may propose contacts for moderation."""
    if not _authenticated(user):
        return []
    return db.session.scalars(select(Organization).join(Membership).where(
        Membership.user_id == user.id, Membership.role.in_(EDITING_ROLES), Organization.status == "published")
        .order_by(Organization.sort_key)).all()


def can_propose(user) -> bool:
    return is_moderator(user) or bool(proposing_organizations(user))


def _proposing_org(user, organization_id: int | None) -> int:
    orgs = {org.id for org in proposing_organizations(user)}
    if not orgs:
        raise Forbidden(_("Only site moderators and the admins of a published association can propose contacts."))
    if organization_id is None:
        return min(orgs)
    if organization_id not in orgs:
        raise Forbidden(_("You are not an admin of this association."))
    return organization_id


# --- writing -------------------------------------------------------------------------------------------

def _placed(data: ContactData) -> tuple[float | None, float | None]:
    """Typed coordinates, else the city's centre from the gazetteer (as the directory does); national
    entries have none."""
    if data.latitude is not None and data.longitude is not None:
        return data.latitude, data.longitude
    if data.city:
        location = geocode_city(data.city, data.country)
        if location is not None:
            return location.latitude, location.longitude
    return None, None


REACH = ("phone", "whatsapp", "telegram")


def _unverify_if_reach_changes(contact: Contact, new: ContactData | Contact) -> None:
    """"Verified on …" speaks of the numbers that were checked: a new number is not verified yet."""
    if contact.verified_on and any(getattr(contact, name) != getattr(new, name) for name in REACH):
        contact.verified_on = contact.verified_by_id = contact.verified_by_name = None


def _write(contact: Contact, data: ContactData, keep_position: bool = False) -> None:
    moved = (contact.city, contact.country) != (data.city, data.country)
    _unverify_if_reach_changes(contact, data)
    for name in FIELDS:
        if name in ("latitude", "longitude"):
            continue
        setattr(contact, name, replaced(contact.name, data.name) if name == "name" else getattr(data, name))
    if data.latitude is not None or not keep_position or moved:
        contact.latitude, contact.longitude = _placed(data)
    contact.search_text = search_text(*contact.name.values(), contact.city, contact.address, contact.phone)


def create(user, data: ContactData, organization_id: int | None = None, is_demo: bool = False,
           status: str | None = None) -> Contact:
    """A moderator's contact is published at once (unless `status` says otherwise); an association admin's
    waits for moderation."""
    data = clean(data)
    if is_moderator(user) or user is None:  # None: the site itself (seed data, the CLI)
        status = status or "published"
    else:
        organization_id = _proposing_org(user, organization_id)
        status = "pending"
    contact = Contact(status=status, is_demo=is_demo, organization_id=organization_id,
                      created_by_id=user.id if _authenticated(user) else None)
    _write(contact, data)
    db.session.add(contact)
    db.session.flush()
    return contact


def update(user, contact: Contact, data: ContactData, organization_id: int | None = None) -> Contact:
    """A moderator changes the contact; an association admin's change of a published contact waits as a
    proposal (returned), the published one unchanged. An association admin may also correct their own
    proposal while it waits."""
    data = clean(data)
    if is_moderator(user):
        _write(contact, data, keep_position=True)
        db.session.flush()
        return contact
    organization_id = _proposing_org(user, organization_id)
    if contact.status == "pending" and contact.created_by_id == user.id:
        _write(contact, data, keep_position=True)
        db.session.flush()
        return contact
    if contact.status != "published":
        raise Forbidden(_("Only site moderators can change this contact."))
    proposal = Contact(status="pending", replaces_id=contact.id, organization_id=organization_id,
                       created_by_id=user.id, is_demo=contact.is_demo,
                       latitude=contact.latitude, longitude=contact.longitude)
    proposal.city, proposal.country = contact.city, contact.country
    _write(proposal, data, keep_position=True)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def publish(user, contact: Contact) -> Contact:
    """Publish a new contact, or apply a proposed change to the contact it replaces (and drop the proposal)."""
    require_moderator(user)
    if contact.replaces_id is not None:
        target = contact.replaces
        if target is None:
            raise ServiceError(_("The contact this change was for no longer exists."))
        _unverify_if_reach_changes(target, contact)
        for name in (*FIELDS, "search_text"):
            setattr(target, name, getattr(contact, name))
        target.status = "published"
        db.session.delete(contact)
        db.session.flush()
        return target
    contact.status = "published"
    db.session.flush()
    return contact


def hide(user, contact: Contact) -> None:
    """Take a contact off the pages (or turn down a proposal)."""
    require_moderator(user)
    contact.status = "hidden"
    db.session.flush()


def mark_verified(user, contact: Contact, on: date | None = None) -> None:
    """A moderator called the number (or checked the source) today."""
    require_moderator(user)
    contact.verified_on = on or utcnow().date()
    contact.verified_by_id = user.id
    contact.verified_by_name = user.display_name
    db.session.flush()


def report(contact: Contact, problem: str, message: str | None) -> ContactReport:
    """Anyone says a contact is wrong; every moderator is mailed at once (the outbox sends it)."""
    errors = Errors()
    if problem not in REPORT_PROBLEMS:
        errors.add("problem", _("Choose from the list."))
    text = errors.text("message", message, 2000, multiline=True)
    errors.raise_if_any()
    row = ContactReport(contact_id=contact.id, problem=problem, message=text or "")
    db.session.add(row)
    db.session.flush()
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True))).all():
        mail.queue_later(admin.email, "contacts/contact_report", admin.locale or "ru", report_id=row.id)
    return row


def resolve_report(user, row: ContactReport, status: str) -> None:
    require_moderator(user)
    if status not in ("resolved", "dismissed"):
        raise ServiceError(_("Unknown status."), "status")
    row.status = status
    row.resolved_by_id = user.id
    row.resolved_at = utcnow()
    db.session.flush()


# --- reading -------------------------------------------------------------------------------------------

def visible(user, contact: Contact | None) -> bool:
    """Published contacts are public; the others only to moderators and whoever proposed them."""
    if contact is None:
        return False
    return contact.status == "published" or is_moderator(user) or (
        _authenticated(user) and contact.created_by_id == user.id)


def _kind_order(contact: Contact) -> int:
    return CONTACT_KINDS.index(contact.kind)


def _name_key(contact: Contact) -> tuple[int, str]:
    """Emergency numbers in the order they were entered (the single number 112 first), others by name."""
    return (contact.id, "") if contact.kind == "emergency" else (0, sort_key(contact.name.get()))


def published(country: str | None = None, kind: str | None = None, q: str | None = None) -> Select:
    query = select(Contact).where(Contact.status == "published")
    if country:
        query = query.where(Contact.country == country)
    if kind:
        query = query.where(Contact.kind == kind)
    if q and fold(q):
        query = query.where(Contact.search_text.like(like_pattern(q), escape="\\"))
    return query


def countries_with_contacts() -> list[str]:
    return sorted(set(db.session.scalars(select(Contact.country).where(Contact.status == "published")
                                         .distinct())))


def nearest_place(lat: float, lng: float) -> tuple[str, str | None] | None:
    """(country, city) of the published contact nearest to a point: where "near me" takes a person."""
    rows = db.session.execute(select(Contact.country, Contact.city, Contact.latitude, Contact.longitude).where(
        Contact.status == "published", Contact.latitude.is_not(None), Contact.longitude.is_not(None))).all()
    if not rows:
        return None
    best = min(rows, key=lambda row: haversine_km(lat, lng, row.latitude, row.longitude))
    return best.country, best.city


@dataclass
class Listing:
    """A country's page: national entries first (emergency numbers at the top), then each city's."""

    national: list[Contact]
    cities: list[tuple[str, list[Contact]]]

    def __bool__(self) -> bool:
        return bool(self.national or self.cities)


def listing(country: str, q: str | None = None, centre: tuple[float, float] | None = None) -> Listing:
    contacts = db.session.scalars(published(country, q=q)).all()
    national = sorted((c for c in contacts if c.is_national), key=lambda c: (_kind_order(c), _name_key(c)))
    by_city: dict[str, list[Contact]] = {}
    for contact in contacts:
        if not contact.is_national:
            by_city.setdefault(contact.city or "", []).append(contact)

    def city_key(item: tuple[str, list[Contact]]):
        if centre is not None:
            positions = [c.position for c in item[1] if c.position]
            if positions:
                return (0, min(haversine_km(*centre, *p) for p in positions), "")
        return (1, 0.0, sort_key(item[0]))

    cities = sorted(((city, sorted(items, key=lambda c: (_kind_order(c), _name_key(c))))
                     for city, items in by_city.items()), key=city_key)
    return Listing(national, cities)


def contacts_for(country: str | None, city: str | None = None, limit: int = 6) -> list[Contact]:
    """The key contacts of a country for a small box: its emergency numbers, then the embassy, consulates and
    hotlines (those of `city` before the others)."""
    if not country:
        return []
    contacts = db.session.scalars(published(country).where(Contact.kind.in_(KEY_KINDS))).all()
    folded_city = fold(city)

    def key(contact: Contact):
        here = 0 if contact.is_national or (folded_city and fold(contact.city) == folded_city) else 1
        return (contact.kind != "emergency", here, _kind_order(contact), _name_key(contact))

    return sorted(contacts, key=key)[:limit]


def near(country: str | None, kind: str | None, q: str | None, centre: tuple[float, float] | None,
         radius_km: float) -> list[tuple[Contact, float | None]]:
    """The API's search: a country's (or every) published contact; with a centre, the national ones of that
    country and those within `radius_km` of it, nearest first."""
    query = published(country, kind, q)
    if centre is None:
        contacts = db.session.scalars(query.order_by(Contact.country, Contact.city, Contact.id).limit(1000)).all()
        ordered = sorted(contacts, key=lambda c: (c.country, not c.is_national, sort_key(c.city or ""),
                                                  _kind_order(c), _name_key(c)))
        return [(c, None) for c in ordered]
    lat, lng = centre
    boxes = bounding_boxes(lat, lng, radius_km)
    in_box = or_(*(and_(Contact.latitude.between(s, n), Contact.longitude.between(w, e)) for s, n, w, e in boxes))
    nearby: list[tuple[Contact, float | None]] = []
    for contact in db.session.scalars(query.where(Contact.city.is_not(None), in_box)).all():
        if contact.position is not None:
            distance = haversine_km(lat, lng, *contact.position)
            if distance <= radius_km:
                nearby.append((contact, distance))
    nearby.sort(key=lambda item: (item[1] or 0.0, item[0].id))
    countries = {country} if country else {c.country for c, _ in nearby}
    national = db.session.scalars(query.where(Contact.city.is_(None), Contact.country.in_(countries))).all() \
        if countries else []
    first: list[tuple[Contact, float | None]] = [
        (c, None) for c in sorted(national, key=lambda c: (c.country, _kind_order(c), _name_key(c)))]
    return first + nearby


def pending() -> Sequence[Contact]:
    return db.session.scalars(select(Contact).where(Contact.status == "pending").order_by(Contact.created_at)).all()


def hidden(limit: int = 200) -> Sequence[Contact]:
    """Contacts taken off the pages (not turned-down proposals of changes), for a moderator to put back."""
    return db.session.scalars(select(Contact).where(Contact.status == "hidden", Contact.replaces_id.is_(None))
                              .order_by(Contact.updated_at.desc()).limit(limit)).all()


def changes(proposal: Contact) -> list[tuple[str, object, object]]:
    """(field, published value, proposed value) where a proposed change differs from the published contact."""
    target = proposal.replaces
    if target is None:
        return []
    found = []
    for name in FIELDS:
        old, new = getattr(target, name), getattr(proposal, name)
        if name == "name":
            old, new = old.as_dict(), new.as_dict()
        if old != new:
            found.append((name, old, new))
    return found


def open_reports() -> Sequence[ContactReport]:
    return db.session.scalars(select(ContactReport).where(ContactReport.status == "open")
                              .order_by(ContactReport.created_at.desc()).limit(200)).all()


def as_data(contact: Contact) -> ContactData:
    return ContactData(**{name: getattr(contact, name) for name in FIELDS})

