"""Offers of help: published by an association's people (admins and volunteers), shown to everyone,
hidden by site admins when flagged. Services flush; the caller commits."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from diaspora.assistance.requests import helper_org_ids
from diaspora.content_i18n import I18nText, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.geo.distance import bounding_boxes, haversine_km
from diaspora.geo.geocoder import geocode_city
from diaspora.i18n import country_codes, language_codes
from diaspora.models import Category, HelpOffer, HelpOfferLanguage, OfferFlag, Organization
from diaspora.text import fold
from diaspora.validation import refuse_control_characters

FLAG_REASONS = ("fraud", "wrong", "offensive", "other")


@dataclass
class OfferData:
    organization_id: int
    category: str
    titles: Mapping[str, str] | I18nText  # {language code: text}
    descriptions: Mapping[str, str] | I18nText = field(default_factory=dict)
    scope: str = "city"
    country: str | None = None
    city: str = ""
    radius_km: int | None = 50
    languages: list[str] = field(default_factory=list)
    capacity: int | None = None
    is_free: bool = True
    price: str | None = None
    valid_until: date | None = None
    employer: str | None = None
    wage: str | None = None
    written_contract: bool | None = None


def organizations_for(user) -> Sequence[Organization]:
    ids = helper_org_ids(user)
    if getattr(user, "is_admin", False):
        return db.session.scalars(select(Organization).where(Organization.status == "published")
                                  .order_by(Organization.sort_key)).all()
    if not ids:
        return []
    return db.session.scalars(select(Organization).where(Organization.id.in_(ids))
                              .order_by(Organization.sort_key)).all()


def can_manage(user, offer: HelpOffer) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and (user.is_admin or offer.organization_id in helper_org_ids(user)))


def require_manager(user, offer: HelpOffer) -> None:
    if not can_manage(user, offer):
        raise Forbidden(_("Only the association's people can change its offers."))


def _check(user, data: OfferData) -> Category:
    refuse_control_characters({"title": dict(data.titles), "description": dict(data.descriptions), "city": data.city,
                               "price": data.price, "employer": data.employer, "wage": data.wage},
                              multiline=("description",))
    if data.organization_id not in {org.id for org in organizations_for(user)}:
        raise Forbidden(_("You can only publish offers for associations you act for."))
    category = db.session.scalar(select(Category).where(Category.slug == data.category))
    if category is None:
        raise ServiceError(_("Choose from the list."), "category")
    if not i18n(data.titles):
        raise ServiceError(_("Give the title in at least one language."), first_field("title"))
    if data.scope not in ("city", "country", "remote"):
        raise ServiceError(_("Choose from the list."), "scope")
    if data.scope in ("city", "country") and data.country not in country_codes():
        raise ServiceError(_("Choose a country from the list."), "country")
    if data.scope == "city" and not (data.city or "").strip():
        raise ServiceError(_("This field is required."), "city")
    if any(code not in language_codes() for code in data.languages):
        raise ServiceError(_("Choose from the list."), "languages")
    return category


def _apply(offer: HelpOffer, data: OfferData, category: Category) -> None:
    offer.organization_id = data.organization_id
    offer.category_id = category.id
    offer.title, offer.description = replaced(offer.title, data.titles), replaced(offer.description, data.descriptions)
    offer.scope = data.scope
    offer.country = data.country if data.scope != "remote" else None
    offer.city = (data.city or "").strip() if data.scope == "city" else ""
    offer.radius_km = data.radius_km if data.scope == "city" else None
    offer.capacity, offer.is_free = data.capacity, data.is_free
    offer.price = None if data.is_free else ((data.price or "").strip() or None)
    offer.valid_until = data.valid_until
    is_job = category.slug == "employment"
    offer.employer = (data.employer or "").strip() or None if is_job else None
    offer.wage = (data.wage or "").strip() or None if is_job else None
    offer.written_contract = data.written_contract if is_job else None
    place = geocode_city(offer.city, offer.country) if offer.scope == "city" else None
    offer.latitude = round(place.latitude, 4) if place else None
    offer.longitude = round(place.longitude, 4) if place else None
    wanted = sorted(set(data.languages))
    if offer.languages != wanted:
        offer.language_rows = [HelpOfferLanguage(code=code) for code in wanted]


def create(user, data: OfferData) -> HelpOffer:
    category = _check(user, data)
    offer = HelpOffer(created_by_id=user.id, status="active")
    _apply(offer, data, category)
    db.session.add(offer)
    db.session.flush()
    return offer


def update(user, offer: HelpOffer, data: OfferData) -> None:
    require_manager(user, offer)
    if offer.status == "hidden" and not user.is_admin:
        raise ServiceError(_("A moderator has hidden this offer."), None)
    _apply(offer, data, _check(user, data))


def withdraw(user, offer: HelpOffer) -> None:
    require_manager(user, offer)
    if offer.status != "active":
        raise ServiceError(_("This cannot be done at this stage."), None)
    offer.status = "withdrawn"


def republish(user, offer: HelpOffer) -> None:
    """A withdrawn offer can be published again (a hidden one only by a site admin: see unhide)."""
    require_manager(user, offer)
    if offer.status != "withdrawn":
        raise ServiceError(_("This cannot be done at this stage."), None)
    offer.status = "active"


def hide(admin, offer: HelpOffer, reason: str | None) -> None:
    if not getattr(admin, "is_admin", False):
        raise Forbidden(_("Only site admins can do this."))
    offer.status, offer.hidden_reason = "hidden", (reason or "").strip() or None
    for flag in db.session.scalars(select(OfferFlag).where(OfferFlag.offer_id == offer.id, OfferFlag.status == "open")):
        flag.status, flag.resolved_by_id, flag.resolved_at = "resolved", admin.id, utcnow()


def unhide(admin, offer: HelpOffer) -> None:
    if not getattr(admin, "is_admin", False):
        raise Forbidden(_("Only site admins can do this."))
    offer.status, offer.hidden_reason = "active", None


def flag(offer: HelpOffer, reason: str | None, message: str | None) -> OfferFlag:
    if reason not in FLAG_REASONS:
        raise ServiceError(_("Choose from the list."), "reason")
    item = OfferFlag(offer_id=offer.id, reason=reason, message=(message or "").strip()[:2000])
    db.session.add(item)
    return item


def dismiss_flag(admin, item: OfferFlag) -> None:
    if not getattr(admin, "is_admin", False):
        raise Forbidden(_("Only site admins can do this."))
    item.status, item.resolved_by_id, item.resolved_at = "dismissed", admin.id, utcnow()


# --- finding offers --------------------------------------------------------------------------------

@dataclass
class OfferSearch:
    q: str | None = None
    country: str | None = None
    categories: list[str] = field(default_factory=list)
    language: str | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float = 50.0
    limit: int = 100
    offset: int = 0

    @property
    def centre(self) -> tuple[float, float] | None:
        return None if self.lat is None or self.lng is None else (self.lat, self.lng)


def public_filters(search: OfferSearch) -> list:
    """Active, not expired, from a published association: what anyone may see."""
    conditions = [HelpOffer.status == "active",
                  or_(HelpOffer.valid_until.is_(None), HelpOffer.valid_until >= date.today()),
                  HelpOffer.organization_id.in_(select(Organization.id).where(Organization.status == "published"))]
    if search.country:
        conditions.append(or_(HelpOffer.country == search.country, HelpOffer.scope == "remote"))
    if search.categories:
        conditions.append(HelpOffer.category_id.in_(select(Category.id).where(Category.slug.in_(search.categories))))
    if search.language:
        conditions.append(exists().where(HelpOfferLanguage.offer_id == HelpOffer.id,
                                         HelpOfferLanguage.code == search.language))
    return conditions


def organization_section(org):
    """The association's offers of help on its page (diaspora.signals.organization_page)."""
    from diaspora.signals import PageSection

    if not org.is_published:
        return None
    offers = db.session.scalars(select(HelpOffer).where(*public_filters(OfferSearch()),
                                                        HelpOffer.organization_id == org.id)
                                .order_by(HelpOffer.created_at.desc(), HelpOffer.id.desc()).limit(50)).all()
    return PageSection("assistance/_organization_offers.html", order=20, offers=offers)


def find(search: OfferSearch) -> tuple[list[tuple[HelpOffer, float | None]], int]:
    """Offers matching the filters. With a centre: offers placed within the radius, nearest first
    (a bounding box on the indexed position, then the exact distance); without: newest first."""
    conditions = public_filters(search)
    if search.lat is not None and search.lng is not None:
        boxes = bounding_boxes(search.lat, search.lng, search.radius_km)
        box = or_(*[and_(HelpOffer.latitude.between(a, b), HelpOffer.longitude.between(c, d)) for a, b, c, d in boxes])
        ranked = []
        for offer in db.session.scalars(select(HelpOffer).where(*conditions, box)):
            position = offer.position
            if position is None:  # the box needs both coordinates: never
                continue
            distance = haversine_km(search.lat, search.lng, *position)
            if distance <= search.radius_km:
                ranked.append((distance, offer.id, offer))
        ranked.sort(key=lambda item: (item[0], item[1]))
        found: list[tuple[HelpOffer, float | None]] = [(offer, distance) for distance, _, offer in ranked]
    else:
        offers = db.session.scalars(select(HelpOffer).where(*conditions)
                                    .order_by(HelpOffer.created_at.desc(), HelpOffer.id.desc())).all()
        found = [(offer, None) for offer in offers]
    if search.q and search.q.strip():
        needle = fold(search.q)
        found = [(offer, d) for offer, d in found if any(needle in fold(text) for text in
                                                         offer.title.values() + offer.description.values())
                 or needle in fold(offer.city) or needle in fold(offer.organization.name)]
    return found[search.offset: search.offset + search.limit], len(found)


def capacity_in_use() -> dict[int, int]:
    """{organization id: requests it has accepted and not closed}: how much of its capacity is taken."""
    from diaspora.models import HelpRequest

    rows = db.session.execute(select(HelpRequest.accepted_org_id, func.count()).where(
        HelpRequest.status.in_(("accepted", "in_progress")), HelpRequest.accepted_org_id.is_not(None))
        .group_by(HelpRequest.accepted_org_id)).all()
    return {org_id: taken for org_id, taken in rows if org_id is not None}
