"""An event's team: organizers add people by email with a role (events.permissions says what each role may).

An address with an account joins at once; any other gets a mailed link that works once, for VALID_FOR, and
adds the account that follows it with that address (created from the link's page, or logged in). Only a hash
of the link's secret is kept. Taking it is one conditional UPDATE, so two clicks cannot both succeed."""
import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail
from diaspora.auth.services import find_user_by_email, normalize_email
from diaspora.database import rows_matched, utcnow
from diaspora.errors import Forbidden, NotFound, ServiceError
from diaspora.events.permissions import require
from diaspora.extensions import db
from diaspora.models import Event, EventTeamMember, User
from diaspora.models.event_team import NOTIFY_CHOICES, TEAM_ROLES
from diaspora.urls import external_url

VALID_FOR = timedelta(days=7)
MAX_MEMBERS = 100  # a forum's team, not a mailing list
INVITATION_KIND = "event_team_invitation"
ADDED_KIND = "event_team_added"
# roles that hear of new registrations (the others have nothing to do with them)
NOTIFIED_ROLES = ("organizer", "registrations")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def members(event: Event) -> Sequence[EventTeamMember]:
    return db.session.scalars(select(EventTeamMember).where(EventTeamMember.event_id == event.id)
                              .order_by(EventTeamMember.created_at, EventTeamMember.id)).all()


def membership(user, event: Event) -> EventTeamMember | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(EventTeamMember).where(EventTeamMember.event_id == event.id,
                                                           EventTeamMember.user_id == user.id))


def _role(role: str | None) -> str:
    if role not in TEAM_ROLES:
        raise ServiceError(_("Choose from the list."), "role")
    return role


def add(user: User, event: Event, email: str | None, role: str | None, locale: str) -> EventTeamMember:
    """Add `email` with `role`: at once when it has an account, else by a mailed invitation."""
    require(user, event, "team")
    role = _role(role)
    try:
        email = validate_email(normalize_email(email), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ServiceError(_("Enter a valid email address."), "email") from None
    if db.session.scalar(select(EventTeamMember.id).where(EventTeamMember.event_id == event.id,
                                                          EventTeamMember.email == email)):
        raise ServiceError(_("This address is in the team already: change its role in the list."), "email")
    if len(members(event)) >= MAX_MEMBERS:
        raise ServiceError(_("The team is full (%(num)d people).", num=MAX_MEMBERS), "email")
    account = find_user_by_email(email)
    now = utcnow()
    member = EventTeamMember(event_id=event.id, email=email, role=role, invited_by_id=user.id, created_at=now,
                             notified_until=now)
    token = None
    if account is not None:
        member.user_id = account.id
    else:
        token = secrets.token_urlsafe(32)
        member.token_hash, member.expires_at = _hash(token), now + VALID_FOR
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:  # the same address (or account) added twice at the same moment
        raise ServiceError(_("This address is in the team already: change its role in the list."), "email") from None
    if token is None:
        mail.queue(email, ADDED_KIND, account.locale if account and account.locale else locale, event=event,
                   inviter=user, role=role, link=external_url("events.team", slug=event.slug))
    else:
        mail.queue(email, INVITATION_KIND, locale, event=event, inviter=user, role=role, days=VALID_FOR.days,
                   link=external_url("events.team_invitation", token=token))
    return member


def _member(event: Event, member_id: int) -> EventTeamMember:
    member = db.session.get(EventTeamMember, member_id)
    if member is None or member.event_id != event.id:
        raise NotFound(_("Not found."))
    return member


def change_role(user: User, event: Event, member_id: int, role: str | None) -> None:
    require(user, event, "team")
    member = _member(event, member_id)
    member.role = _role(role)
    if member.invited_by_id is None and member.user_id != user.id:
        # another organizer's choice: the creator's own listing (which granted nothing) now carries the role
        member.invited_by_id = user.id


def remove(user: User, event: Event, member_id: int) -> None:
    """Take someone off the team (an open invitation's link stops working with its row)."""
    require(user, event, "team")
    db.session.delete(_member(event, member_id))
    db.session.flush()


def set_notify(user: User, event: Event, notify: str | None) -> None:
    """Each team member chooses how they hear of new registrations."""
    member = membership(user, event)
    if member is None:
        raise Forbidden(_("Only the event's team can do this."))
    if notify not in NOTIFY_CHOICES:
        raise ServiceError(_("Choose from the list."), "notify")
    member.notify = notify


def find(token: str) -> EventTeamMember | None:
    """The open invitation behind a link, or None (unknown, used, withdrawn or expired)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(EventTeamMember).where(
        EventTeamMember.token_hash == _hash(token), EventTeamMember.user_id.is_(None),
        EventTeamMember.expires_at > utcnow()))


def is_for(user: User, member: EventTeamMember) -> bool:
    return normalize_email(user.email) == member.email


def accept(user: User, token: str) -> EventTeamMember:
    """Join the team with the invitation's role, when it was mailed to this account's address. Once."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Log in to accept the invitation."))
    gone = NotFound(_("This invitation has expired, was already used or was withdrawn. Ask for a new one."))
    member = find(token)
    if member is None:
        raise gone
    if not is_for(user, member):
        raise Forbidden(_("This invitation is for %(email)s. Log in with that address to accept it.",
                          email=member.email))
    now = utcnow()
    try:
        with db.session.begin_nested():
            taken = rows_matched(
                update(EventTeamMember).where(EventTeamMember.id == member.id, EventTeamMember.user_id.is_(None),
                                              EventTeamMember.token_hash == _hash(token),
                                              EventTeamMember.expires_at > now)
                .values(user_id=user.id, token_hash=None, expires_at=None, notified_until=now)
                .execution_options(synchronize_session=False)) == 1
    except IntegrityError:  # the account is in the team already, under another address
        raise ServiceError(_("You are in this event's team already."), None) from None
    if not taken:
        raise gone
    db.session.refresh(member)
    return member


def init_app(app) -> None:
    # the link is a secret: once the message is sent, the outbox site admins read keeps it without the link
    mail.register_kinds(INVITATION_KIND, redact=r"(/event-team/)[\w-]+")
    mail.register_kinds(ADDED_KIND)
