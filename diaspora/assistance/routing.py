"""Which associations a request goes to: the same kind of help, nearest first, a language in common.

An association fits when it lists the service in the directory or has an active offer of it. It must
speak the person's language, or a language they are likely to share (a Kyrgyz speaker abroad usually
reads Russian too); associations that have not said which languages they speak come after those that
have. Near means: its place within HELP_ROUTE_KM of the person's city, or the person within the radius
of one of its offers; else in the same country; else an offer that works remotely. Nearest first within
each, after those whose offers of this kind are not already full (accepted requests against the
capacity they gave)."""
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from diaspora.extensions import db
from diaspora.geo.distance import haversine_km
from diaspora.models import Category, HelpOffer, HelpOfferLanguage, HelpRequest, Organization, organization_categories
from diaspora.models.organization import OrganizationLanguage

# Languages a person asking in the key language is likely to read as well.
BRIDGES = {"ky": {"ru"}, "ru": {"ky"}, "kk": {"ru"}, "uz": {"ru"}, "tg": {"ru"}}


def acceptable_languages(language: str) -> set[str]:
    return {language} | BRIDGES.get(language, set())


@dataclass
class Candidate:
    organization_id: int
    name_key: str
    distance_km: float | None
    tier: int  # 0 near, 1 same country, 2 remote offer
    language_tier: int  # 0 the person's language, 1 a bridge language, 2 not said
    full: bool = False  # its offers of this kind are taken up to the capacity it gave

    @property
    def order(self):
        return (self.tier, self.language_tier == 2, self.full,
                self.distance_km if self.distance_km is not None else float("inf"),
                self.language_tier, self.name_key, self.organization_id)


def candidates(request: HelpRequest, limit_km: float, exclude: AbstractSet[int] = frozenset()) -> list[Candidate]:
    """Every association that fits the request, best first."""
    today = date.today()
    by_service = select(organization_categories.c.organization_id).where(
        organization_categories.c.category_id == request.category_id)
    offers = db.session.scalars(select(HelpOffer).where(
        HelpOffer.category_id == request.category_id, HelpOffer.status == "active",
        or_(HelpOffer.valid_until.is_(None), HelpOffer.valid_until >= today))).all()
    offer_orgs = {offer.organization_id for offer in offers}
    orgs = db.session.scalars(select(Organization).where(
        Organization.status == "published",
        or_(Organization.id.in_(by_service), Organization.id.in_(offer_orgs or {-1})))).all()
    org_languages: dict[int, set[str]] = {}
    for org_id, code in db.session.execute(select(OrganizationLanguage.organization_id, OrganizationLanguage.code)
                                           .where(OrganizationLanguage.organization_id.in_([o.id for o in orgs]))):
        org_languages.setdefault(org_id, set()).add(code)
    for offer_id, code in db.session.execute(select(HelpOfferLanguage.offer_id, HelpOfferLanguage.code).where(
            HelpOfferLanguage.offer_id.in_([o.id for o in offers] or [-1]))):
        owner = next(o.organization_id for o in offers if o.id == offer_id)
        org_languages.setdefault(owner, set()).add(code)
    wanted = acceptable_languages(request.language)
    in_use = dict(db.session.execute(select(HelpRequest.accepted_org_id, func.count()).where(
        HelpRequest.category_id == request.category_id, HelpRequest.status.in_(("accepted", "in_progress")),
        HelpRequest.accepted_org_id.in_(offer_orgs or {-1})).group_by(HelpRequest.accepted_org_id)).all())
    found = []
    for org in orgs:
        if org.id in exclude:
            continue
        spoken = org_languages.get(org.id, set())
        if spoken and not spoken & wanted:
            continue  # it says which languages it speaks, and none is the person's
        language_tier = 0 if request.language in spoken else 1 if spoken & wanted else 2
        own_offers = [o for o in offers if o.organization_id == org.id]
        near: list[float] = []  # distances from the person
        far: list[float] = []
        if (here := request.position) is not None:
            if (there := org.position) is not None:
                d = haversine_km(*here, *there)
                (near if d <= limit_km else far).append(d)
            for o in own_offers:
                if o.scope == "city" and (there := o.position) is not None:
                    d = haversine_km(*here, *there)
                    (near if d <= (o.radius_km if o.radius_km else limit_km) else far).append(d)
        distance = min(near) if near else min(far) if far else None
        capacities = [o.capacity for o in own_offers if o.capacity is not None]
        # full when every offer has a capacity and together they are taken
        full = bool(own_offers) and len(capacities) == len(own_offers) and in_use.get(org.id, 0) >= sum(capacities)
        if near:
            tier = 0
        elif org.country == request.country or any(o.scope == "country" and o.country == request.country
                                                   for o in own_offers):
            tier = 1
        elif any(o.scope == "remote" for o in own_offers):
            tier = 2
        else:
            continue
        found.append(Candidate(org.id, org.sort_key, distance, tier, language_tier, full))
    return sorted(found, key=lambda c: c.order)


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))
