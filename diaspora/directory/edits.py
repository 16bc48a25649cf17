"""Changes to a published association wait for a site admin (finding 6 of the security review: a
published entry could be turned into phishing overnight).

The owner and co-admins of a published entry send their changes as an OrganizationEdit; the entry's
columns keep the published version for everyone until a site admin approves. Site admins' own edits, and
edits of entries that are not published (waiting or rejected), apply at once (services.update_organization).
One edit waits per association (a unique index): sending another replaces it, and a moderator decides
the version they saw (by its id) with a conditional UPDATE, so a replacement never slips through as
approved and two moderators cannot both decide. When the entry is rejected or unpublished, its waiting
edit is closed ("withdrawn", services.reject), and an edit is never approved onto an entry not published."""
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail
from diaspora.database import rows_matched, utcnow
from diaspora.directory import services
from diaspora.errors import NotFound, ServiceError
from diaspora.extensions import db
from diaspora.models import Organization, OrganizationEdit, User
from diaspora.urls import external_url


@dataclass
class Saved:
    waiting: bool  # the changes wait for moderation
    notice: str | None = None  # where the pin went, when the place changed


def needs_moderation(user: User, org: Organization) -> bool:
    return org.is_published and not user.is_admin


def pending_edit(org: Organization) -> OrganizationEdit | None:
    return db.session.scalar(select(OrganizationEdit).where(
        OrganizationEdit.organization_id == org.id, OrganizationEdit.status == "pending"))


def last_rejected_edit(org: Organization) -> OrganizationEdit | None:
    """The latest edit, when a moderator rejected it (its note stays shown until the next edit)."""
    latest = db.session.scalar(select(OrganizationEdit).where(OrganizationEdit.organization_id == org.id)
                               .order_by(OrganizationEdit.id.desc()).limit(1))
    return latest if latest is not None and latest.status == "rejected" else None


def form_values(user: User, org: Organization) -> dict:
    """What the edit form shows: for the association's people, their changes still waiting (nothing they
    typed is lost); for site admins, the published entry (what they save is published at once)."""
    values = services.snapshot(org)
    edit = pending_edit(org)
    if edit is not None and not user.is_admin:
        values.update(edit.changes)
    return values


def change_rows(org: Organization, edit: OrganizationEdit) -> list[tuple[str, object, object]]:
    """(field, published value, proposed value) for what the edit would still change."""
    published = services.snapshot(org)
    return [(name, published.get(name), value) for name, value in edit.changes.items()
            if name != "location_source" and published.get(name) != value]


def save(user: User, org: Organization, data: services.OrganizationData) -> Saved:
    """The edit form's and any other caller's way to change an entry: at once, or waiting for moderation."""
    services.require_editor(user, org)
    services.check_text(data)
    if services.member_role(user, org) in services.EDITING_ROLES:
        org.confirmed_at = utcnow()  # its own people went through the entry: as good as the yearly "still correct"
    if not needs_moderation(user, org):
        notice = services.update_organization(user, org, data)
        if not user.is_admin:  # the form showed the changes that waited and has just saved them
            edit = pending_edit(org)
            if edit is not None:
                _close(edit.id, "replaced")
        return Saved(waiting=False, notice=notice)
    return _propose(user, org, data)


def _propose(user: User, org: Organization, data: services.OrganizationData) -> Saved:
    published = services.snapshot(org)
    waiting = pending_edit(org)
    base = {**published, **(waiting.changes if waiting else {})}
    placement = services.new_placement(base, data)  # geocoded now, stored with the edit
    values = services.values_from(data, placement, base)
    changes = {name: values[name] for name in services.PUBLIC_FIELDS if published.get(name) != values[name]}
    if waiting is not None:
        _close(waiting.id, "replaced" if changes else "withdrawn")
    if not changes:  # back to the published version: nothing waits any more
        if waiting is not None:
            services.record(org, user, "edit_withdrawn")
        return Saved(waiting=False)
    try:
        with db.session.begin_nested():
            db.session.add(OrganizationEdit(organization_id=org.id, submitted_by_id=user.id, changes=changes))
    except IntegrityError:  # another admin of the association sent theirs at the same moment
        raise ServiceError(_("Somebody else has just sent changes to this association. "
                             "Open it again to see them, then make yours.")) from None
    services.record(org, user, "edit_submitted", services.diff(published, {**published, **changes}))
    if waiting is None:
        _notify_moderators(org)
    notice = services.placement_notice(placement, bool(data.address)) if placement else None
    return Saved(waiting=True, notice=notice)


def _close(edit_id: int, status: str) -> bool:
    """Take a waiting edit out of the queue; False when it was decided or replaced in the meantime."""
    return rows_matched(
        update(OrganizationEdit).where(OrganizationEdit.id == edit_id, OrganizationEdit.status == "pending")
        .values(status=status, decided_at=utcnow()).execution_options(synchronize_session=False)) == 1


def _decide(admin: User, edit_id: int, status: str, note: str | None = None) -> OrganizationEdit:
    edit = db.session.get(OrganizationEdit, edit_id)
    if edit is None:
        raise NotFound(_("Not found."))
    claimed = rows_matched(
        update(OrganizationEdit).where(OrganizationEdit.id == edit_id, OrganizationEdit.status == "pending")
        .values(status=status, note=note, decided_by_id=admin.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)) == 1
    if not claimed:
        raise ServiceError(_("These changes were replaced by newer ones or already decided. Check the queue again."))
    db.session.refresh(edit)
    return edit


def approve(admin: User, edit_id: int) -> OrganizationEdit:
    """Publish the changes a site admin has seen: this edit, never one that replaced it since, and only on an
    entry that is still published (rejecting or unpublishing an entry closes its waiting edit)."""
    services.require_site_admin(admin)
    edit = db.session.get(OrganizationEdit, edit_id)
    if edit is not None and not edit.organization.is_published:
        raise ServiceError(_("This association is not published any more: its changes cannot be published."))
    edit = _decide(admin, edit_id, "approved")
    org = edit.organization
    before = services.snapshot(org)
    services.write_values(org, {**before, **edit.changes})
    changes = services.diff(before, services.snapshot(org))
    if changes:
        services.record(org, edit.submitted_by, "updated", changes)
    services.record(org, admin, "edit_approved")
    services.notify_owners(org, "organization_edit_approved")
    return edit


def reject(admin: User, edit_id: int, note: str | None) -> OrganizationEdit:
    """The entry stays as published; the association's people read the note (page and mail)."""
    services.require_site_admin(admin)
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Say why, so the owner can fix it."), "reason")
    edit = _decide(admin, edit_id, "rejected", note)
    org = edit.organization
    published = services.snapshot(org)
    services.record(org, admin, "edit_rejected", services.diff(published, {**published, **edit.changes}), note=note)
    services.notify_owners(org, "organization_edit_rejected", note=note)
    return edit


def waiting_edits() -> Sequence[OrganizationEdit]:
    """The moderation queue's changes to published entries, oldest first."""
    return db.session.scalars(
        select(OrganizationEdit).join(Organization)
        .where(OrganizationEdit.status == "pending", Organization.status == "published")
        .order_by(OrganizationEdit.created_at, OrganizationEdit.id)).all()


def _notify_moderators(org: Organization) -> None:
    link = external_url("moderation.index")
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True))).all():
        mail.queue(admin.email, "moderation_edit_waiting", admin.locale or "ru", org=org, link=link)
