"""The directory's rules: who may change what, moderation, history, reports. Services flush; the
request (or CLI command) commits once. Every mutation leaves a revision for site admins."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail, signals
from diaspora.content_i18n import I18nText, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_address, geocode_city
from diaspora.models import (
    Category,
    Membership,
    Organization,
    OrganizationEdit,
    OrganizationLanguage,
    OrganizationReport,
    OrganizationRevision,
    User,
)
from diaspora.text import fold, search_text, sort_key
from diaspora.urls import external_url
from diaspora.validation import normalize, refuse_control_characters


@dataclass
class OrganizationData:
    """What a person (or an import row) says about an association, already validated."""

    name: str
    country: str
    city: str
    description: Mapping[str, str] | I18nText = field(default_factory=dict)  # {language code: text}
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    telegram: str | None = None
    whatsapp: str | None = None
    instagram: str | None = None
    facebook: str | None = None
    vk: str | None = None
    year_founded: int | None = None


SCALAR_FIELDS = tuple(f.name for f in fields(OrganizationData) if f.name not in ("categories", "languages"))
MULTILINE_FIELDS = ("description",)


def check_text(data: OrganizationData) -> None:
    """Text in Unicode NFC, and control characters refused whoever calls (form, import, CLI), line breaks in
    single-line fields too: a name or a city goes into mail subjects, CSV and calendar lines (see
    diaspora.validation). ValidationError names the fields."""
    for name in SCALAR_FIELDS:
        if isinstance(value := getattr(data, name), str):
            setattr(data, name, normalize(value))
    refuse_control_characters({name: getattr(data, name) for name in SCALAR_FIELDS
                               if isinstance(getattr(data, name), str)} | {"description": dict(data.description)},
                              multiline=MULTILINE_FIELDS)


@dataclass
class Placement:
    latitude: float | None
    longitude: float | None
    source: str  # manual | address | city | none


def dedupe_key(name: str, country: str, city: str) -> str:
    return f"{fold(name)}|{country}|{fold(city)}"[:340]


# --- permissions -------------------------------------------------------------------------------

EDITING_ROLES = ("owner", "admin")


def member_role(user: User | None, org: Organization) -> str | None:
    """owner | admin | volunteer | None"""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership.role).where(Membership.organization_id == org.id, Membership.user_id == user.id))


def is_member(user: User | None, org: Organization) -> bool:
    return member_role(user, org) is not None


def can_edit(user: User | None, org: Organization) -> bool:
    """Site admins, the owner and co-admins edit the entry; volunteers only help (offers, requests)."""
    return bool(user and getattr(user, "is_authenticated", False)
                and (user.is_admin or member_role(user, org) in EDITING_ROLES))


def require_editor(user: User | None, org: Organization) -> None:
    if not can_edit(user, org):
        raise Forbidden(_("Only the association's admins can change it."))


def can_manage_admins(user: User | None, org: Organization) -> bool:
    """The owner and site admins add and remove co-admins; co-admins only edit."""
    if not (user and getattr(user, "is_authenticated", False)):
        return False
    if user.is_admin:
        return True
    return db.session.scalar(
        select(Membership.role).where(Membership.organization_id == org.id, Membership.user_id == user.id)
    ) == "owner"


def require_owner(user: User | None, org: Organization) -> None:
    if not can_manage_admins(user, org):
        raise Forbidden(_("Only the owner can manage the association's admins."))


def require_site_admin(user: User | None) -> None:
    if not (user and getattr(user, "is_authenticated", False) and user.is_admin):
        raise Forbidden(_("Only site admins can do this."))


def visible_to(user: User | None, org: Organization | None) -> bool:
    """Published entries are public; others only to their admins and site admins."""
    return org is not None and (org.is_published or can_edit(user, org))


# --- placement ---------------------------------------------------------------------------------

def place(data: OrganizationData) -> Placement:
    """Where the pin goes: typed/clicked coordinates, else the geocoded address, else the city centre.
    Never fails because a geocoder is down: the offline gazetteer always answers for cities."""
    if data.latitude is not None and data.longitude is not None:
        return Placement(float(data.latitude), float(data.longitude), "manual")
    if data.address:
        location = geocode_address(data.address, data.city, data.country)
        if location is not None:
            return Placement(location.latitude, location.longitude, "address")
    location = geocode_city(data.city, data.country)
    if location is not None:
        return Placement(location.latitude, location.longitude, "city")
    return Placement(None, None, "none")


def placement_notice(placement: Placement, had_address: bool) -> str | None:
    if placement.source == "city":
        if had_address:
            return _("We could not find the street address, so the pin is at the city centre. "
                     "Edit the association to move it to the right place.")
        return _("The pin is at the city centre. Edit the association to move it to the right place.")
    if placement.source == "none":
        return _("We could not find this city, so the association is not on the map yet. "
                 "Edit it and click on the map to set its position.")
    return None


# --- writing -----------------------------------------------------------------------------------

def _categories(slugs: list[str]) -> list[Category]:
    if not slugs:
        return []
    found = db.session.scalars(select(Category).where(Category.slug.in_(slugs))).all()
    unknown = set(slugs) - {c.slug for c in found}
    if unknown:
        raise ServiceError(_("Unknown service: %(slug)s", slug=", ".join(sorted(unknown))), "categories")
    return list(found)


# Everything an entry shows (its page, the map, the list, the API, exports), in one dict: a snapshot of the
# columns, the values a form or an import asks for, and what a change waiting for moderation proposes.
PUBLIC_FIELDS = (*SCALAR_FIELDS, "location_source", "categories", "languages")
# derived from latitude/longitude: not shown as a change of its own
_NOT_SHOWN_IN_HISTORY = ("location_source",)


def snapshot(org: Organization) -> dict:
    snap = {name: getattr(org, name) for name in SCALAR_FIELDS}
    snap["description"] = org.description.as_dict()  # kept as JSON in revisions and waiting edits
    snap["location_source"] = org.location_source
    snap["categories"] = sorted(org.category_slugs)
    snap["languages"] = sorted(org.languages)
    return snap


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} of what differs, as the history shows it."""
    return {key: [before.get(key), after[key]] for key in after
            if before.get(key) != after[key] and key not in _NOT_SHOWN_IN_HISTORY}


def new_placement(base: dict, data: OrganizationData) -> Placement | None:
    """Where the pin goes after an edit of `base`: re-derived when the place changed but the pin was not
    moved, taken as given when it was moved; None to keep the pin of `base`."""
    moved = (data.latitude, data.longitude) != (base["latitude"], base["longitude"])
    place_changed = (data.country, fold(data.city), fold(data.address)) != (
        base["country"], fold(base["city"]), fold(base["address"]))
    if not (moved or place_changed) and base["latitude"] is not None and base["longitude"] is not None:
        return None
    if not moved and place_changed:
        data.latitude = data.longitude = None
    return place(data)


def values_from(data: OrganizationData, placement: Placement | None, base: dict | None = None) -> dict:
    """The public fields as `data` asks for them (validated), keeping the pin of `base` when `placement`
    is None."""
    values = {}
    for name in SCALAR_FIELDS:
        if name in ("latitude", "longitude"):
            continue
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip() or (None if name not in ("name", "city", "country") else "")
        values[name] = value
    values["description"] = replaced(base and base.get("description"), data.description).as_dict()
    if placement is not None:
        values["latitude"] = None if placement.latitude is None else round(placement.latitude, 6)
        values["longitude"] = None if placement.longitude is None else round(placement.longitude, 6)
        values["location_source"] = placement.source
    elif base is not None:
        values.update({name: base[name] for name in ("latitude", "longitude", "location_source")})
    else:
        raise ValueError("no placement, and no base to keep the pin of")
    values["categories"] = sorted(c.slug for c in _categories(sorted(set(data.categories))))
    values["languages"] = sorted(set(data.languages))
    return values


def write_values(org: Organization, values: dict) -> None:
    """Set the entry's columns (and the derived search and sort columns) to `values`."""
    for name in (*SCALAR_FIELDS, "location_source"):
        setattr(org, name, values[name])
    org.categories = _categories(values["categories"])
    if sorted(org.languages) != values["languages"]:
        org.language_rows = [OrganizationLanguage(code=code) for code in values["languages"]]
    org.search_text = search_text(org.name, org.city, *org.description.values())  # every language
    org.sort_key = sort_key(org.name)
    org.dedupe_key = dedupe_key(org.name, org.country, org.city)


def record(org: Organization, user: User | None, action: str, changes: dict | None = None, note: str | None = None):
    db.session.add(OrganizationRevision(
        organization_id=org.id, user_id=user.id if user else None, action=action,
        changes=changes or {}, note=note,
    ))


def create_organization(data: OrganizationData, *, status: str = "pending", user: User | None = None,
                        is_demo: bool = False) -> tuple[Organization, Placement]:
    check_text(data)
    placement = place(data)
    org = Organization(status=status, is_demo=is_demo, published_at=utcnow() if status == "published" else None)
    write_values(org, values_from(data, placement))
    db.session.add(org)
    db.session.flush()
    if user is not None:
        db.session.add(Membership(organization_id=org.id, user_id=user.id, role="owner"))
    record(org, user, "created", diff({}, snapshot(org)))
    return org, placement


def register_organization(user: User, data: OrganizationData) -> tuple[Organization, str | None]:
    """A new association waits for moderation; its creator becomes the owner."""
    org, placement = create_organization(data, user=user)
    _notify_moderators(org)
    return org, placement_notice(placement, bool(data.address))


def update_organization(user: User, org: Organization, data: OrganizationData) -> str | None:
    """Save an edit at once: site admins' edits, and entries not published (yet, or any more). The owner's
    and co-admins' edits of a published entry wait for moderation instead (directory.edits.save)."""
    require_editor(user, org)
    if org.is_published and not user.is_admin:
        raise Forbidden(_("Changes to a published association wait for moderation."))
    before = snapshot(org)
    placement = new_placement(before, data)
    write_values(org, values_from(data, placement, before))
    changes = diff(before, snapshot(org))
    if changes:
        record(org, user, "updated", changes)
    notice = placement_notice(placement, bool(data.address)) if placement else None
    if org.status == "rejected":
        org.status = "pending"
        record(org, user, "resubmitted")
        _notify_moderators(org)
    return notice


def _notify_moderators(org: Organization) -> None:
    link = external_url("moderation.index")
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True))).all():
        mail.queue(admin.email, "moderation_waiting", admin.locale or "ru", org=org, link=link)


def publish(admin: User, org: Organization) -> None:
    require_site_admin(admin)
    org.status = "published"
    org.rejection_reason = None
    org.published_at = utcnow()
    record(org, admin, "published")
    notify_owners(org, "organization_published")


def reject(admin: User, org: Organization, reason: str | None) -> None:
    require_site_admin(admin)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why, so the owner can fix it."), "reason")
    was_published = org.is_published
    org.status = "rejected"
    org.rejection_reason = reason
    record(org, admin, "rejected", note=reason)
    _close_waiting_edits(org, admin)
    notify_owners(org, "organization_rejected")
    if was_published:
        _release_help_requests(org)


def _close_waiting_edits(org: Organization, admin: User) -> None:
    """Changes waiting to be published on an entry that is not published any more are closed: the owner now
    edits the entry itself (directory.edits), and they would come back stale once it is published again."""
    db.session.execute(
        update(OrganizationEdit).where(OrganizationEdit.organization_id == org.id,
                                       OrganizationEdit.status == "pending")
        .values(status="withdrawn", decided_by_id=admin.id, decided_at=utcnow())
        .execution_options(synchronize_session=False))


def _release_help_requests(org: Organization) -> None:
    # features built on the directory let go of it (mutual help gives back the requests it accepted)
    db.session.flush()
    signals.organization_unpublished.send(org.id)


def notify_owners(org: Organization, template: str, **context) -> None:
    link = external_url("directory.show", org_id=org.id)
    members = db.session.scalars(select(User).join(Membership).where(Membership.organization_id == org.id)).all()
    for member in members:
        mail.queue(member.email, template, member.locale or "ru", org=org, link=link, **context)


def remove_coadmin(user: User, org: Organization, other_id: int) -> None:
    require_owner(user, org)
    membership = db.session.get(Membership, (org.id, other_id))
    if membership is None:
        raise ServiceError(_("This person is not an admin of the association."))
    if membership.role == "owner":
        raise ServiceError(_("The owner cannot be removed."))
    email = membership.user.email
    db.session.delete(membership)
    record(org, user, "admin_removed", {"admins": [email, None]})


def report_organization(org: Organization, reason: str, message: str | None, email: str | None,
                        reporter: User | None) -> OrganizationReport:
    report = OrganizationReport(
        organization_id=org.id, reason=reason, message=(message or "").strip(),
        reporter_email=(email or "").strip().lower() or None,
        reporter_id=reporter.id if reporter and getattr(reporter, "is_authenticated", False) else None,
    )
    db.session.add(report)
    _mail_report(org, report)
    return report


REPORT_MAIL = "organization_reported"


def editors_of(org: Organization) -> list[tuple[User, str]]:
    """(user, role) of the owner and co-admins."""
    rows = db.session.scalars(select(Membership).where(
        Membership.organization_id == org.id, Membership.role.in_(EDITING_ROLES)).order_by(Membership.created_at))
    return [(m.user, m.role) for m in rows]


def _mail_report(org: Organization, report: OrganizationReport) -> None:
    """At once to the association's admins (who can fix the entry) and the moderators. The reporter's address
    is not passed on to the association."""
    people = {user.id: (user, False) for user, _role in editors_of(org)}
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True))).all():
        people[admin.id] = (admin, True)
    for user, moderator in people.values():
        mail.queue(user.email, REPORT_MAIL, user.locale or "ky", org=org, report=report, moderator=moderator,
                   link=external_url("moderation.reports") if moderator
                   else external_url("directory.edit", org_id=org.id))


def resolve_report(admin: User, report: OrganizationReport, status: str, note: str | None) -> None:
    require_site_admin(admin)
    if status not in ("resolved", "dismissed"):
        raise ServiceError(_("Unknown status."), "status")
    report.status = status
    report.resolution_note = (note or "").strip() or None
    report.resolved_by_id = admin.id
    report.resolved_at = utcnow()
    record(report.organization, admin, f"report_{status}", note=report.resolution_note)


def unpublish(admin: User, org: Organization, reason: str) -> None:
    """Take an entry off the public directory (e.g. after a report); the owner sees the reason."""
    reject(admin, org, reason)


def delete_organization(admin: User, org: Organization) -> None:
    require_site_admin(admin)
    _release_help_requests(org)
    db.session.delete(org)


# --- reading -----------------------------------------------------------------------------------

def organizations_of(user: User) -> Sequence[Organization]:
    return db.session.scalars(
        select(Organization).join(Membership).where(Membership.user_id == user.id).order_by(Organization.sort_key)
    ).all()


def admins_of(org: Organization) -> Sequence[Membership]:
    return db.session.scalars(
        select(Membership).where(Membership.organization_id == org.id).order_by(Membership.created_at)
    ).all()


def directory_counts() -> dict:
    rows = db.session.execute(
        select(func.count(), func.count(func.distinct(Organization.country))).where(Organization.status == "published")
    ).one()
    return {"organizations": rows[0], "countries": rows[1]}


def all_categories() -> Sequence[Category]:
    return db.session.scalars(select(Category).order_by(Category.position, Category.slug)).all()


def add_category(admin: User, slug: str | None, names: Mapping[str, str] | I18nText) -> Category:
    """A new kind of service, named in at least one language ({language code: name})."""
    require_site_admin(admin)
    refuse_control_characters({"slug": slug, "name": dict(names)})
    if not i18n(names):
        raise ServiceError(_("Give the name in at least one language."), first_field("name"))
    slug = (slug or "").strip().lower()
    if db.session.scalar(select(exists().where(Category.slug == slug))):
        raise ServiceError(_("A service with this slug already exists."), "slug")
    position = (db.session.scalar(select(func.max(Category.position))) or 0) + 10
    category = Category(slug=slug, name=i18n(names), position=position)
    try:
        with db.session.begin_nested():
            db.session.add(category)
    except IntegrityError:
        raise ServiceError(_("A service with this slug already exists."), "slug") from None
    return category


def history(org: Organization) -> Sequence[OrganizationRevision]:
    return db.session.scalars(
        select(OrganizationRevision).where(OrganizationRevision.organization_id == org.id)
        .order_by(OrganizationRevision.created_at.desc(), OrganizationRevision.id.desc())
    ).all()

