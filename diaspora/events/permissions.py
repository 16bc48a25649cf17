"""Who may organize events: the admins of a published association (for its events) and site admins (for
any, and for events of no association, such as the Forum of Compatriots)."""
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from diaspora.errors import Forbidden
from diaspora.extensions import db
from diaspora.models import Event, Membership, Organization


def authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def organizations_for(user) -> Sequence[Organization]:
    """The published associations this person may organize events for."""
    if not authenticated(user):
        return []
    query = select(Organization).where(Organization.status == "published").order_by(Organization.sort_key)
    if not user.is_admin:
        query = query.join(Membership).where(Membership.user_id == user.id, Membership.role.in_(("owner", "admin")))
    return db.session.scalars(query).all()


def can_create(user) -> bool:
    return authenticated(user) and (user.is_admin or bool(organizations_for(user)))


def can_manage(user, event: Event) -> bool:
    if not authenticated(user):
        return False
    if user.is_admin:
        return True
    if event.organization_id is None:
        return False
    # admins of the association, while it is published (an unpublished one organizes nothing)
    return bool(db.session.scalar(select(Membership.user_id).join(
        Organization, Organization.id == Membership.organization_id).where(
        Membership.organization_id == event.organization_id, Membership.user_id == user.id,
        Membership.role.in_(("owner", "admin")), Organization.status == "published")))


def require_manager(user, event: Event) -> None:
    if not can_manage(user, event):
        raise Forbidden(_("Only the event's organizers can do this."))
