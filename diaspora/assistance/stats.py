"""What coordinators see: what is asked, offered and answered; nothing that identifies anybody."""
import statistics
from datetime import timedelta

from sqlalchemy import func, select

from diaspora.assistance.offers import capacity_in_use
from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.models import HelpOffer, HelpRequest, HelpRoute
from diaspora.models.assistance import OPEN_STATUSES

UNANSWERED_HOURS = 48


def _scope(query, org_ids: set[int] | None):
    """Site admins see everything (org_ids None); an association what was sent to it or accepted by it."""
    if org_ids is None:
        return query
    routed = select(HelpRoute.request_id).where(HelpRoute.organization_id.in_(org_ids or {-1}))
    return query.where((HelpRequest.id.in_(routed)) | (HelpRequest.accepted_org_id.in_(org_ids or {-1})))


def figures(org_ids: set[int] | None) -> dict:
    now = utcnow()
    open_query = _scope(select(HelpRequest).where(HelpRequest.status.in_(OPEN_STATUSES)), org_ids)
    open_requests = db.session.scalars(open_query).all()
    by_category: dict[str, int] = {}
    by_country: dict[str, int] = {}
    ages = {"day": 0, "two_days": 0, "older": 0}
    for request in open_requests:
        by_category[request.category.slug] = by_category.get(request.category.slug, 0) + 1
        by_country[request.country] = by_country.get(request.country, 0) + 1
        age = now - request.created_at
        ages["day" if age < timedelta(hours=24) else "two_days" if age < timedelta(hours=48) else "older"] += 1
    unanswered = sum(1 for r in open_requests if r.status == "new"
                     and now - r.created_at > timedelta(hours=UNANSWERED_HOURS))
    resolved = db.session.execute(_scope(select(HelpRequest.created_at, HelpRequest.resolved_at).where(
        HelpRequest.status == "resolved", HelpRequest.resolved_at.is_not(None)), org_ids)).all()
    hours = [(done - created).total_seconds() / 3600 for created, done in resolved]
    offer_query = select(HelpOffer).where(HelpOffer.status == "active")
    if org_ids is not None:
        offer_query = offer_query.where(HelpOffer.organization_id.in_(org_ids or {-1}))
    offers = db.session.scalars(offer_query).all()
    offers_by_category: dict[str, dict] = {}
    in_use = capacity_in_use()
    counted_orgs: set[tuple[str, int]] = set()
    for offer in offers:
        row = offers_by_category.setdefault(offer.category.slug, {"offers": 0, "capacity": 0, "in_use": 0})
        row["offers"] += 1
        row["capacity"] += offer.capacity or 0
        if (offer.category.slug, offer.organization_id) not in counted_orgs:
            counted_orgs.add((offer.category.slug, offer.organization_id))
            row["in_use"] += _accepted_in(offer.organization_id, offer.category_id) if in_use else 0
    supply_by_country: dict[str, int] = {}
    for offer in offers:
        if offer.country:
            supply_by_country[offer.country] = supply_by_country.get(offer.country, 0) + 1
    return {
        "open": len(open_requests),
        "unanswered": unanswered,
        "by_category": sorted(by_category.items(), key=lambda item: -item[1]),
        "by_country": sorted(by_country.items(), key=lambda item: -item[1]),
        "ages": ages,
        "resolved": len(hours),
        "median_hours": round(statistics.median(hours), 1) if hours else None,
        "offers_by_category": sorted(offers_by_category.items(), key=lambda item: -item[1]["offers"]),
        "demand_by_country": by_country,
        "supply_by_country": supply_by_country,
    }


def _accepted_in(org_id: int, category_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(HelpRequest).where(
        HelpRequest.accepted_org_id == org_id, HelpRequest.category_id == category_id,
        HelpRequest.status.in_(("accepted", "in_progress")))).scalar_one()


def unanswered_ids(requests) -> set[int]:
    now = utcnow()
    return {r.id for r in requests if r.status == "new" and now - r.created_at > timedelta(hours=UNANSWERED_HOURS)}
