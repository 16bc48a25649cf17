"""Invitations to help run an association (finding 11 of the security review: adding a co-admin by email
told the owner whether an account existed).

The owner gives an address and a role; we always answer the same way and always mail a single-use link
that expires. The account with that address takes the role by following the link while logged in (or after
creating the account from the link's page); a link forwarded to, or read by, someone else does nothing for
them. The admins page lists open invitations beside the admins, so nothing on it depends on whether the
address has an account. Taking an invitation is one conditional UPDATE (still pending, not expired), so two
clicks at the same moment cannot both succeed.

Only a published association invites: the mail carries its name and city and the inviter's name, text a
moderator has seen, from the site's own address. And an association sends at most MAX_PER_DAY invitations a
day, withdrawn and replaced ones included, so withdrawing and sending again does not make us a mailer."""
import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail
from diaspora.auth.services import normalize_email
from diaspora.database import rows_matched, utcnow
from diaspora.directory import members, services
from diaspora.errors import Forbidden, NotFound, ServiceError
from diaspora.extensions import db
from diaspora.models import Invitation, Membership, Organization, User
from diaspora.urls import external_url

VALID_FOR = timedelta(days=7)
MAX_OPEN = 20  # open invitations per association: enough for a team, too few to use us for bulk mail
MAX_PER_DAY = 20  # invitations mailed per association in 24 hours, whatever became of them
ROLES = ("admin", "volunteer", "member")
# roles in the order of what they allow: taking an invitation never lowers a role someone has
_RANK = {"member": 0, "volunteer": 1, "admin": 2, "owner": 3}
MAIL_KIND = "organization_invitation"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_invitations(org: Organization) -> Sequence[Invitation]:
    return db.session.scalars(
        select(Invitation).where(Invitation.organization_id == org.id, Invitation.status == "pending",
                                 Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at, Invitation.id)).all()


def invite(user: User, org: Organization, email: str | None, role: str, locale: str) -> Invitation:
    """Mail an invitation to `email`. The same answer whether or not the address has an account. The owner
    invites admins and volunteers; the admins invite members too (see diaspora.directory.members)."""
    if role == "member":
        members.require_manager(user, org)
    else:
        services.require_owner(user, org)
    if not org.is_published:
        raise ServiceError(_("Invitations can be sent once a moderator has published the association."), "email")
    if role not in ROLES:
        raise ServiceError(_("Choose from the list."), "role")
    email = normalize_email(email)
    # members' addresses are on the admins' pages already: saying so tells them nothing new. A member
    # may be invited to a higher role (a volunteer becoming an admin), never to the same or a lower one.
    current = members.role_of_address(org, email)
    if current is not None and _RANK[current] >= _RANK[role]:
        raise ServiceError(_("This person already has this role in the association, or a higher one."), "email")
    now = utcnow()
    # The counts below hold under concurrency: PostgreSQL locks the association's row here; on SQLite the
    # UPDATE that follows takes the database's write lock first.
    db.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    # inviting the same address again replaces its open invitation (a new link; the old one stops working)
    db.session.execute(
        update(Invitation).where(Invitation.organization_id == org.id, Invitation.email == email,
                                 Invitation.status == "pending")
        .values(status="replaced", closed_at=now).execution_options(synchronize_session=False))
    still_open = db.session.execute(select(func.count()).select_from(Invitation).where(
        Invitation.organization_id == org.id, Invitation.status == "pending", Invitation.expires_at > now)).scalar_one()
    if still_open >= MAX_OPEN:
        raise ServiceError(ngettext("%(num)d invitation is waiting already. Withdraw it before sending more.",
                                    "%(num)d invitations are waiting already. Withdraw some before sending more.",
                                    still_open), "email")
    sent_today = db.session.execute(select(func.count()).select_from(Invitation).where(
        Invitation.organization_id == org.id, Invitation.created_at > now - timedelta(days=1))).scalar_one()
    if sent_today >= MAX_PER_DAY:
        raise ServiceError(ngettext("%(num)d invitation has been sent in the last 24 hours, the most for one day. "
                                    "Try again tomorrow.",
                                    "%(num)d invitations have been sent in the last 24 hours, the most for one day. "
                                    "Try again tomorrow.", sent_today), "email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organization_id=org.id, email=email, role=role, token_hash=_hash(token),
                            invited_by_id=user.id, created_at=now, expires_at=now + VALID_FOR)
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:  # the same address invited twice at the same moment: the first one stands
        raise ServiceError(_("An invitation to this address was sent a moment ago."), "email") from None
    mail.queue(email, MAIL_KIND, locale, org=org, inviter=user, role=role, days=VALID_FOR.days,
               link=external_url("directory.invitation", token=token))
    services.record(org, user, "invitation_sent", {"invitations": [None, f"{email} ({role})"]})
    return invitation


def find(token: str) -> Invitation | None:
    """The open invitation behind a link, or None (unknown, used, withdrawn, replaced or expired)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(
        Invitation.token_hash == _hash(token), Invitation.status == "pending", Invitation.expires_at > utcnow()))


def is_for(user: User, invitation: Invitation) -> bool:
    """Whether `user` is the account the invitation was mailed to (the same address)."""
    return normalize_email(user.email) == normalize_email(invitation.email)


def accept(user: User, token: str) -> Invitation:
    """Give the logged-in `user` the invitation's role, if it was sent to their address. Single use: the
    conditional UPDATE lets one request through; any other (a second click, an expired link) is told it is
    not valid. Another account is refused and the invitation stays open for the right one."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Log in to accept the invitation."))
    invitation = find(token)
    gone = NotFound(_("This invitation has expired, was already used or was withdrawn. Ask for a new one."))
    if invitation is None:
        raise gone
    if not is_for(user, invitation):
        raise Forbidden(_("This invitation is for %(email)s. Log in with that address to accept it.",
                          email=invitation.email))
    now = utcnow()
    taken = rows_matched(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.status == "pending",
                                 Invitation.expires_at > now)
        .values(status="accepted", accepted_by_id=user.id, closed_at=now)
        .execution_options(synchronize_session=False)) == 1
    if not taken:
        raise gone
    db.session.refresh(invitation)
    org = invitation.organization
    if invitation.role == "member":
        members.join_by_invitation(user, org)
        return invitation
    membership = db.session.get(Membership, (org.id, user.id))
    if membership is None:
        try:
            with db.session.begin_nested():
                db.session.add(Membership(organization_id=org.id, user_id=user.id, role=invitation.role))
        except IntegrityError:  # they took another invitation to it at the same moment
            membership = db.session.get(Membership, (org.id, user.id))
    before = None
    if membership is not None and _RANK[invitation.role] > _RANK[membership.role]:
        before = f"{user.email} ({membership.role})"
        membership.role = invitation.role
    elif membership is not None:  # a higher role was given meanwhile: taking this one never lowers it
        return invitation
    services.record(org, user, "admin_added", {"admins": [before, f"{user.email} ({invitation.role})"]})
    return invitation


def revoke(user: User, org: Organization, invitation_id: int) -> str:
    """Withdraw an open invitation; the role it offered."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != org.id:
        members.require_manager(user, org)
        raise NotFound(_("Not found."))
    if invitation.role == "member":
        members.require_manager(user, org)
    else:
        services.require_owner(user, org)
    revoked = rows_matched(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.status == "pending")
        .values(status="revoked", closed_at=utcnow()).execution_options(synchronize_session=False))
    if revoked:
        services.record(org, user, "invitation_revoked",
                        {"invitations": [f"{invitation.email} ({invitation.role})", None]})
    return invitation.role


def init_app(app) -> None:
    # the link is a secret: once the message is sent, the outbox site admins read keeps it without the link
    mail.register_kinds(MAIL_KIND, redact=r"(/invitations/)[\w-]+")
