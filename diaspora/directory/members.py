"""An association's members: compatriots ask to join, its admins accept or decline, give roles and post news
that only members read. Who acts for the association stays in Membership (owner, admins, volunteers: the help
requests, guides and events read it); a member is an OrganizationMember row, so joining grants none of that.
A person's role is the Membership's when they have one, else "member".

The owner and admins run the members (and site admins, as everywhere in the directory); making or unmaking an
admin stays the owner's, as on the admins page. The public sees how many members there are, never who."""
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, union, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail
from diaspora.database import rows_matched, utcnow
from diaspora.directory import services
from diaspora.errors import Forbidden, NotFound, ServiceError
from diaspora.extensions import db
from diaspora.models import Membership, Organization, OrganizationMember, OrganizationNews, User
from diaspora.urls import external_url
from diaspora.validation import normalize, refuse_control_characters

ROLES = ("member", "volunteer", "admin")
STAFF_ROLES = ("owner", "admin", "volunteer")
MAX_MESSAGE = 1000
MAIL_KINDS = ("membership_requested", "membership_accepted", "membership_declined", "association_news")


@dataclass
class Person:
    """A row of the members' list: the account, its role and (for a member) their choices."""

    user: User
    role: str
    row: OrganizationMember | None


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_manage(user, org: Organization) -> bool:
    """The owner, admins and site admins run the members; volunteers and members do not."""
    return services.can_edit(user, org)


def require_manager(user, org: Organization) -> None:
    if not can_manage(user, org):
        raise Forbidden(_("Only the association's admins can manage its members."))


def _row(org: Organization, user_id: int) -> OrganizationMember | None:
    return db.session.scalar(select(OrganizationMember).where(
        OrganizationMember.organization_id == org.id, OrganizationMember.user_id == user_id))


def role_of(user, org: Organization) -> str | None:
    """owner | admin | volunteer | member | None (a request waiting is not a role)."""
    if not _authenticated(user):
        return None
    staff = services.member_role(user, org)
    if staff is not None:
        return staff
    row = _row(org, user.id)
    return "member" if row is not None and row.status == "member" else None


def pending_request(user, org: Organization) -> OrganizationMember | None:
    if not _authenticated(user):
        return None
    row = _row(org, user.id)
    return row if row is not None and row.status == "requested" else None


def my_row(user, org: Organization) -> OrganizationMember | None:
    return _row(org, user.id) if _authenticated(user) else None


def can_read_news(user, org: Organization) -> bool:
    return role_of(user, org) is not None or can_manage(user, org)


def member_count(org: Organization) -> int:
    """Everyone who belongs: accepted members and the people who act for it, each once."""
    people = union(
        select(OrganizationMember.user_id).where(OrganizationMember.organization_id == org.id,
                                                 OrganizationMember.status == "member"),
        select(Membership.user_id).where(Membership.organization_id == org.id)).subquery()
    return db.session.execute(select(func.count()).select_from(people)).scalar_one()


def role_of_address(org: Organization, email: str) -> str | None:
    """The role of the account with this address (as stored, lower-cased), for invitations."""
    user = db.session.scalar(select(User).where(User.email == email))
    return role_of(user, org) if user is not None else None


def join_by_invitation(user, org: Organization) -> None:
    """An invitation to become a member, taken: a member at once, with nothing shared until they choose."""
    if role_of(user, org) is not None:
        return
    row = _row(org, user.id)
    if row is None:
        row = OrganizationMember(organization_id=org.id, user_id=user.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = _row(org, user.id)
            assert row is not None
    row.status, row.decided_at = "member", utcnow()
    services.record(org, user, "member_accepted", {"members": [None, user.email]})


def joined(user) -> Sequence[Organization]:
    """The published associations `user` is a plain member of (those they act for are listed apart)."""
    return db.session.scalars(select(Organization).join(
        OrganizationMember, OrganizationMember.organization_id == Organization.id).where(
        OrganizationMember.user_id == user.id, OrganizationMember.status == "member",
        Organization.status == "published",
        ~select(Membership.user_id).where(Membership.organization_id == Organization.id,
                                          Membership.user_id == user.id).exists())
        .order_by(Organization.sort_key)).all()


# --- joining -------------------------------------------------------------------------------------

def _clean_message(message: str | None) -> str:
    text = normalize((message or "").strip())
    refuse_control_characters({"message": text}, multiline=("message",))
    if len(text) > MAX_MESSAGE:
        raise ServiceError(_("At most %(num)d characters.", num=MAX_MESSAGE), "message")
    return text


def request_to_join(user, org: Organization, message: str | None, share_contact: bool,
                    news_by_mail: bool) -> OrganizationMember:
    """Ask to join; the admins are told by mail. Asking again after a decline is a new request."""
    if not _authenticated(user):
        raise Forbidden(_("Log in to join the association."))
    if not org.is_published:
        raise NotFound(_("Not found."))
    if role_of(user, org) is not None:
        raise ServiceError(_("You are already a member of this association."), "message")
    text = _clean_message(message)
    row = _row(org, user.id)
    if row is None:
        row = OrganizationMember(organization_id=org.id, user_id=user.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same request sent twice at the same moment: the first one stands
            row = _row(org, user.id)
            assert row is not None
    row.status, row.message = "requested", text or None
    row.share_contact, row.news_by_mail = bool(share_contact), bool(news_by_mail)
    row.created_at, row.decided_at, row.decided_by_id = utcnow(), None, None
    link = external_url("directory.members", org_id=org.id)
    for admin in db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organization_id == org.id, Membership.role.in_(services.EDITING_ROLES))):
        mail.queue(admin.email, "membership_requested", admin.locale or "ru", org=org, person=user, link=link)
    return row


def decide(user, org: Organization, person_id: int, accept: bool) -> OrganizationMember:
    """Accept or decline a request; the person gets a mail in their language."""
    require_manager(user, org)
    row = _row(org, person_id)
    # one conditional UPDATE: two admins answering at the same moment cannot both send the person a mail
    answered = row is not None and rows_matched(
        update(OrganizationMember).where(OrganizationMember.id == row.id, OrganizationMember.status == "requested")
        .values(status="member" if accept else "declined", decided_at=utcnow(), decided_by_id=user.id)
        .execution_options(synchronize_session=False)) == 1
    if row is None or not answered:
        raise NotFound(_("This request was already answered or withdrawn."))
    db.session.refresh(row)
    person = row.user
    mail.queue(person.email, "membership_accepted" if accept else "membership_declined", person.locale or "ru",
               org=org, link=external_url("directory.news", org_id=org.id) if accept
               else external_url("directory.show", org_id=org.id))
    services.record(org, user, "member_accepted" if accept else "member_declined",
                    {"members": [None, person.email] if accept else [person.email, None]})
    return row


def update_choices(user, org: Organization, share_contact: bool, news_by_mail: bool) -> OrganizationMember:
    """A member changes their consent to the export and whether news come by mail."""
    row = my_row(user, org)
    if row is None or row.status != "member":
        if role_of(user, org) is None:
            raise Forbidden(_("Only members can do this."))
        # an admin or volunteer from before members existed: their choices get a row of their own; one who
        # asked to join and was made staff meanwhile has a row already (one per person), which becomes theirs
        if row is None:
            row = OrganizationMember(organization_id=org.id, user_id=user.id)
            db.session.add(row)
        row.status, row.decided_at = "member", utcnow()
    row.share_contact, row.news_by_mail = bool(share_contact), bool(news_by_mail)
    return row


def leave(user, org: Organization) -> None:
    """A member (or a volunteer or admin) leaves; the owner cannot, the association would have nobody."""
    role = role_of(user, org)
    row = my_row(user, org)
    if role is None and row is None:
        raise Forbidden(_("Only members can do this."))
    if role == "owner":
        raise ServiceError(_("The owner cannot leave the association."))
    if row is not None:
        db.session.delete(row)
    if (staff := db.session.get(Membership, (org.id, user.id))) is not None:
        db.session.delete(staff)
    services.record(org, user, "member_left", {"members": [user.email, None]})


# --- managing ------------------------------------------------------------------------------------

def people(user, org: Organization) -> list[Person]:
    """Members and the people who act for the association, for its admins."""
    require_manager(user, org)
    rows = {r.user_id: r for r in db.session.scalars(select(OrganizationMember).where(
        OrganizationMember.organization_id == org.id, OrganizationMember.status == "member"))}
    listed = [Person(m.user, m.role, rows.pop(m.user_id, None)) for m in services.admins_of(org)]
    listed += [Person(r.user, "member", r) for r in sorted(rows.values(), key=lambda r: (r.created_at, r.id))]
    return listed


def requests(user, org: Organization) -> Sequence[OrganizationMember]:
    require_manager(user, org)
    return db.session.scalars(select(OrganizationMember).where(
        OrganizationMember.organization_id == org.id, OrganizationMember.status == "requested")
        .order_by(OrganizationMember.created_at, OrganizationMember.id)).all()


def set_role(user, org: Organization, person_id: int, role: str) -> None:
    """member | volunteer | admin. Admins give and take the volunteer role; the admin role is the owner's to
    give or take; the owner's own role does not change here."""
    require_manager(user, org)
    if role not in ROLES:
        raise ServiceError(_("Choose from the list."), "role")
    staff = db.session.get(Membership, (org.id, person_id))
    row = _row(org, person_id)
    if staff is None and (row is None or row.status != "member"):
        raise NotFound(_("This person is not a member of the association."))
    before = staff.role if staff is not None else "member"
    if before == "owner":
        raise ServiceError(_("The owner's role cannot be changed."), "role")
    if "admin" in (before, role):
        services.require_owner(user, org)
    if before == role:
        return
    if row is None:  # staff from before members existed become members too, so a lower role keeps them in
        db.session.add(OrganizationMember(organization_id=org.id, user_id=person_id, status="member",
                                          decided_at=utcnow(), decided_by_id=user.id))
    elif row.status != "member":
        row.status = "member"
    if role == "member":
        assert staff is not None
        db.session.delete(staff)
    elif staff is None:
        try:
            with db.session.begin_nested():
                db.session.add(Membership(organization_id=org.id, user_id=person_id, role=role))
        except IntegrityError:  # another admin gave a role at the same moment: theirs stands
            raise ServiceError(_("Someone changed this person's role a moment ago."), "role") from None
    else:
        staff.role = role
    email = db.session.get(User, person_id).email  # type: ignore[union-attr]
    services.record(org, user, "member_role", {"members": [f"{email} ({before})", f"{email} ({role})"]})


def remove(user, org: Organization, person_id: int) -> None:
    require_manager(user, org)
    staff = db.session.get(Membership, (org.id, person_id))
    row = _row(org, person_id)
    if staff is None and (row is None or row.status != "member"):
        raise NotFound(_("This person is not a member of the association."))
    if staff is not None and staff.role == "owner":
        raise ServiceError(_("The owner cannot be removed."))
    if staff is not None and staff.role == "admin":
        services.require_owner(user, org)
    email = (staff.user if staff is not None else row.user).email  # type: ignore[union-attr]
    if staff is not None:
        db.session.delete(staff)
    if row is not None:
        db.session.delete(row)
    services.record(org, user, "member_removed", {"members": [email, None]})


def export_rows(user, org: Organization) -> list[list]:
    """The member list for the association's admins: only the members who agreed to share their contact."""
    require_manager(user, org)
    header = [_("Name"), _("Email"), _("Role"), _("Member since")]
    labels = {"owner": _("Owner"), "admin": _("Admin"), "volunteer": _("Volunteer"), "member": _("Member")}
    return [header] + [
        [p.user.display_name, p.user.email, labels[p.role], p.row.created_at.date().isoformat()]
        for p in people(user, org) if p.row is not None and p.row.share_contact]


# --- news ----------------------------------------------------------------------------------------

def news(user, org: Organization) -> Sequence[OrganizationNews]:
    if not can_read_news(user, org):
        raise Forbidden(_("Only the association's members read its news."))
    return db.session.scalars(select(OrganizationNews).where(OrganizationNews.organization_id == org.id)
                              .order_by(OrganizationNews.created_at.desc(), OrganizationNews.id.desc())
                              .limit(100)).all()


def post_news(user, org: Organization, title: str | None, body: str | None) -> OrganizationNews:
    """A post for the members; mailed to the members who asked for news by mail."""
    require_manager(user, org)
    title, body = normalize((title or "").strip()), normalize((body or "").strip())
    refuse_control_characters({"title": title, "body": body}, multiline=("body",))
    if not title:
        raise ServiceError(_("This field is required."), "title")
    if not body:
        raise ServiceError(_("This field is required."), "body")
    post = OrganizationNews(organization_id=org.id, author_id=user.id, title=title[:200], body=body)
    db.session.add(post)
    link = external_url("directory.news", org_id=org.id)
    readers = db.session.scalars(select(User).join(OrganizationMember, OrganizationMember.user_id == User.id).where(
        OrganizationMember.organization_id == org.id, OrganizationMember.status == "member",
        OrganizationMember.news_by_mail.is_(True))).all()
    for reader in readers:
        mail.queue(reader.email, "association_news", reader.locale or "ru", org=org, post=post, link=link)
    return post


def init_app(app) -> None:
    mail.register_kinds(*MAIL_KINDS)
