"""Who may do what with an event, decided here and nowhere else.

Organizers are the site admins (for any event, and for events of no association, such as the Forum of
Compatriots), the admins of the organizing association while it is published, and the event's team members
with the role "organizer". Other team members get one role each (models.event_team.TEAM_ROLES), and each
thing done to an event asks for a permission, which PERMISSIONS gives to roles:

- registrations: the list, a registration's page, approving, rejecting and writing to participants. Exports
  (CSV, spreadsheet, badges) stay with organizers: a bulk copy of everyone's contacts is the organizer's call.
- checkin: the door only (scan or type a code; the answer names the person, status and sessions, no contacts).
- reviewer: project proposals only: the list, each proposal (without the author's contacts), their own score
  and comment. Accepting or declining a project and attaching it to a session stay with organizers
  ("decide_projects")."""
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from diaspora.errors import Forbidden
from diaspora.extensions import db
from diaspora.models import Event, EventTeamMember, Membership, Organization

ORGANIZER = "organizer"
PERMISSIONS: dict[str, frozenset[str]] = {
    "settings": frozenset({ORGANIZER}),  # edit, publish, cancel, programme, questions, reminders
    "team": frozenset({ORGANIZER}),
    "export": frozenset({ORGANIZER}),  # CSV, spreadsheet, badges
    "overview": frozenset({ORGANIZER, "registrations"}),  # the counts and charts
    "registrations": frozenset({ORGANIZER, "registrations"}),  # list, detail, approve, reject, message
    "checkin": frozenset({ORGANIZER, "registrations", "checkin"}),
    "review": frozenset({ORGANIZER, "reviewer"}),  # project proposals: list, read, score and comment
    "decide_projects": frozenset({ORGANIZER}),  # accept, decline, attach to a session
}
# where a team member lands on "Manage": the first page their role opens
LANDING = (("overview", "events.manage"), ("checkin", "events.checkin"), ("review", "events.projects"))


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


def _association_admin(user, event: Event) -> bool:
    if event.organization_id is None:
        return False
    # admins of the association, while it is published (an unpublished one organizes nothing)
    return bool(db.session.scalar(select(Membership.user_id).join(
        Organization, Organization.id == Membership.organization_id).where(
        Membership.organization_id == event.organization_id, Membership.user_id == user.id,
        Membership.role.in_(("owner", "admin")), Organization.status == "published")))


def role_of(user, event: Event) -> str | None:
    """The person's role in running the event: "organizer", another team role, or None."""
    if not authenticated(user):
        return None
    if user.is_admin or _association_admin(user, event):
        return ORGANIZER
    row = db.session.scalar(select(EventTeamMember).where(
        EventTeamMember.event_id == event.id, EventTeamMember.user_id == user.id))
    if row is None or creator_listing(row, event):
        return None
    return row.role


def creator_listing(member: EventTeamMember, event: Event) -> bool:
    """Whether the row is the creator's own listing, made with the event so they hear of its registrations: it
    grants nothing (their say comes from being a site admin or an admin of the association, and ends with it)
    until another organizer gives it a role (events.team.change_role records who did)."""
    return member.invited_by_id is None and member.user_id is not None and member.user_id == event.created_by_id


def can(user, event: Event, permission: str) -> bool:
    return role_of(user, event) in PERMISSIONS[permission]


def require(user, event: Event, permission: str) -> None:
    if not can(user, event, permission):
        raise Forbidden(_("Only the event's organizers can do this."))


def can_manage(user, event: Event) -> bool:
    """An organizer: everything about the event."""
    return role_of(user, event) == ORGANIZER


def require_manager(user, event: Event) -> None:
    require(user, event, "settings")


def landing(user, event: Event) -> str | None:
    """The endpoint "Manage" leads this person to, or None when they have no part in running the event."""
    role = role_of(user, event)
    return next((endpoint for permission, endpoint in LANDING if role in PERMISSIONS[permission]), None)
