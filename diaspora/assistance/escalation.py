"""No request waits in silence: one that no association can take (nothing fits it, or every one that fitted
declined) or that nobody accepted within HELP_ESCALATE_HOURS goes to the coordinators' "needs a person"
queue, and they are told once by mail. A site coordinator (or a site admin) routes it by hand to any
published association, which then sees it as routed to it; the request leaves the queue.

The queue shows what routing needs (kind, place, language, age, reason), never who the person is or how
to reach them. Services flush; the caller commits."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from diaspora import mail
from diaspora.assistance.notify import tell_association
from diaspora.database import rows_matched, utcnow
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.models import HelpEvent, HelpRequest, HelpRoute, Organization, User
from diaspora.urls import external_url

REASONS = ("no_match", "not_accepted")


def routes_by_hand(user) -> bool:
    """Site admins and site coordinators: they see the queue and route requests by hand."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and (user.is_admin or getattr(user, "is_coordinator", False)))


def require_router(user) -> None:
    if not routes_by_hand(user):
        raise Forbidden(_("Only coordinators route requests by hand."))


def has_open_route(request: HelpRequest) -> bool:
    return db.session.scalar(select(HelpRoute.organization_id).where(
        HelpRoute.request_id == request.id, HelpRoute.state == "open").limit(1)) is not None


def escalate(request: HelpRequest, reason: str, now: datetime | None = None) -> bool:
    """Put the request in the queue and tell the coordinators, unless it already is there or is no longer
    waiting (one conditional UPDATE: two workers, or a decline racing the job, escalate it once)."""
    assert reason in REASONS
    now = now or utcnow()
    moved = rows_matched(update(HelpRequest).where(
        HelpRequest.id == request.id, HelpRequest.status == "new", HelpRequest.needs_person_since.is_(None),
        HelpRequest.anonymised_at.is_(None)).values(needs_person_since=now, needs_person_reason=reason)
        .execution_options(synchronize_session=False))
    if moved != 1:
        return False
    db.session.refresh(request)
    db.session.add(HelpEvent(request_id=request.id, action="needs_person", note=reason, created_at=now))
    tell_coordinators(request)
    return True


def escalate_if_unrouted(request: HelpRequest) -> bool:
    """After routing (at submission, after a decline or a give-back): nobody has it now, so a person must look."""
    if request.status != "new" or has_open_route(request):
        return False
    return escalate(request, "no_match")


def coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(or_(User.is_admin.is_(True), User.is_coordinator.is_(True)))
                                   .order_by(User.id)))


def tell_coordinators(request: HelpRequest) -> None:
    """One mail per coordinator per escalation, queued in the same transaction (the outbox sends it)."""
    link = external_url("assistance.coordination", _anchor="needs-person")
    for person in coordinators():
        mail.queue(person.email, "assistance/request_needs_person", person.locale or "ru", request=request,
                   link=link)


def escalation_job(now: datetime) -> str:
    """The worker's job (every 15 minutes): requests that no association accepted within HELP_ESCALATE_HOURS
    of being sent to it go to the queue. Idempotent: one in the queue is not escalated again, and one routed
    by hand waits HELP_ESCALATE_HOURS from then before it comes back."""
    cutoff = now - timedelta(hours=current_app.config["HELP_ESCALATE_HOURS"])
    last_routed = (select(func.max(HelpRoute.routed_at)).where(HelpRoute.request_id == HelpRequest.id)
                   .correlate(HelpRequest).scalar_subquery())
    waiting = db.session.scalars(select(HelpRequest).where(
        HelpRequest.status == "new", HelpRequest.needs_person_since.is_(None), HelpRequest.anonymised_at.is_(None),
        HelpRequest.created_at < cutoff, or_(last_routed.is_(None), last_routed < cutoff))
        .order_by(HelpRequest.id)).all()
    count = sum(escalate(request, "not_accepted", now) for request in waiting)
    return f"escalated {count}"


@dataclass
class QueueItem:
    request: HelpRequest
    reason: str
    since: datetime
    age_hours: int


def queue(now: datetime | None = None) -> list[QueueItem]:
    """What waits for a person, oldest first."""
    now = now or utcnow()
    rows = db.session.scalars(select(HelpRequest).where(
        HelpRequest.needs_person_since.is_not(None), HelpRequest.status == "new",
        HelpRequest.anonymised_at.is_(None)).order_by(HelpRequest.needs_person_since, HelpRequest.id).limit(200))
    return [QueueItem(r, r.needs_person_reason or "no_match", r.needs_person_since or now,
                      int((now - r.created_at).total_seconds() // 3600)) for r in rows]


def published_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).where(Organization.status == "published")
                                   .order_by(Organization.sort_key, Organization.id)))


def route_by_hand(user, request: HelpRequest, org_id: int | None) -> Organization:
    """A coordinator sends a queued request to an association of their choice: it gets a route like the
    automatic ones (one that had declined gets it again: the coordinator may have called them), is told
    by mail, and the request leaves the queue."""
    require_router(user)
    org = db.session.get(Organization, org_id) if org_id else None
    if org is None or org.status != "published":
        raise ServiceError(_("Choose an association from the list."), "organization_id")
    taken = rows_matched(update(HelpRequest).where(
        HelpRequest.id == request.id, HelpRequest.status == "new", HelpRequest.needs_person_since.is_not(None))
        .values(needs_person_since=None, needs_person_reason=None, last_activity_at=utcnow())
        .execution_options(synchronize_session=False))
    if taken != 1:
        db.session.refresh(request)
        raise ServiceError(_("This request is no longer waiting for a coordinator."), None)
    db.session.refresh(request)
    route_row = db.session.get(HelpRoute, (request.id, org.id))
    if route_row is None:
        rank = db.session.scalar(select(func.max(HelpRoute.rank)).where(HelpRoute.request_id == request.id)) or 0
        db.session.add(HelpRoute(request_id=request.id, organization_id=org.id, rank=rank + 1))
    else:
        route_row.state, route_row.declined_at, route_row.decline_reason = "open", None, None
        route_row.routed_at = utcnow()
    db.session.add(HelpEvent(request_id=request.id, action="routed_by_hand", user_id=user.id,
                             organization_id=org.id))
    db.session.flush()
    tell_association(org.id, request, "request_routed")
    return org
