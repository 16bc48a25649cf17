"""Guides on rights and risks: who writes them, their review, their versions, finding them. Services flush;
the caller commits.

The workflow. An association's admin (owner or admin of a published association) or a site admin writes a
guide as a draft and sends it for review (`in_review`); a moderator (a site admin) publishes it, which
records the review (`reviewed_on` today, by whom), or sends it back to draft with a note. Once published:

- The guide's own title, summary and body are the published text. A change by an association's admin is
  saved only as a new version, named by `pending_version`: readers, search and the API keep the published
  text until a moderator approves the change (copied into the guide, reviewed again) or sends it back
  (the version stays in the history, the guide as it was). One column instead of a second status keeps
  "published" meaning "readers see it" and needs no second copy of the text beside the versions.
- A moderator's own change is published at once and counts as a review.
- Archiving takes a guide off the site; publishing it again brings it back.

Every saved change is a GuideVersion (the whole text, who, when, a note), so the history shows who changed
what and any version can be read again. A guide reviewed more than a year ago is "review due": moderators
see it in their queue and its author gets one reminder (the `guides-review-due` job)."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy import update as sql_update

from diaspora import mail
from diaspora.content_i18n import I18nText, content_languages, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.database_locks import begin_writing
from diaspora.errors import Forbidden, ServiceError
from diaspora.extensions import db
from diaspora.i18n import country_codes
from diaspora.models import Guide, GuideVersion, Membership, Organization, User
from diaspora.models.guide import TOPICS
from diaspora.text import fold, like_pattern, search_text, slugify
from diaspora.validation import Errors, refuse_control_characters

REVIEW_EVERY = timedelta(days=365)
MAX_TITLE, MAX_SUMMARY, MAX_BODY = 200, 500, 50_000
SLUG_MAX = 80

TOPIC_LABELS = {
    "documents_work_permit": _l("Documents and work permit"),
    "registration": _l("Registration"),
    "contracts_wages": _l("Contracts and unpaid wages"),
    "police_detention": _l("Police and detention"),
    "health": _l("Health"),
    "housing": _l("Housing"),
    "money_home": _l("Sending money home"),
    "returning_home": _l("Returning home"),
    "other": _l("Other"),
}

# The kinds of help (Category slugs) and the guide topics a person asking for that help should read first.
CATEGORY_TOPICS: dict[str, tuple[str, ...]] = {
    "legal-aid": ("contracts_wages", "police_detention", "documents_work_permit"),
    "employment": ("contracts_wages", "documents_work_permit"),
    "adaptation": ("registration", "documents_work_permit", "housing", "health"),
    "women": ("health", "housing", "police_detention"),
    "charity": ("housing", "health", "returning_home"),
    "youth": ("registration", "documents_work_permit"),
    "education": ("registration",),
    "business": ("documents_work_permit", "money_home"),
}


def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))


# --- who may do what ------------------------------------------------------------------------------------

def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_moderator(user) -> bool:
    return _authenticated(user) and bool(user.is_admin)


def admin_org_ids(user) -> set[int]:
    """The published associations this person is an owner or admin of (volunteers do not write guides)."""
    if not _authenticated(user):
        return set()
    return set(db.session.scalars(select(Membership.organization_id).join(
        Organization, Organization.id == Membership.organization_id).where(
        Membership.user_id == user.id, Membership.role.in_(("owner", "admin")),
        Organization.status == "published")))


def writer_organizations(user) -> Sequence[Organization]:
    ids = admin_org_ids(user)
    if not ids:
        return []
    return db.session.scalars(select(Organization).where(Organization.id.in_(ids))
                              .order_by(Organization.sort_key)).all()


def can_write(user) -> bool:
    return is_moderator(user) or bool(admin_org_ids(user))


def can_edit(user, guide: Guide) -> bool:
    """Moderators, and the admins of the association the guide belongs to."""
    if is_moderator(user):
        return True
    return guide.organization_id is not None and guide.organization_id in admin_org_ids(user)


def can_view(user, guide: Guide) -> bool:
    return guide.is_published or can_edit(user, guide)


def _require_edit(user, guide: Guide) -> None:
    if not can_edit(user, guide):
        raise Forbidden(_("Only the association's admins and the site's moderators can change this guide."))


def _require_moderator(user) -> None:
    if not is_moderator(user):
        raise Forbidden(_("Only the site's moderators review guides."))


# --- writing ----------------------------------------------------------------------------------------------

@dataclass
class GuideData:
    country: str
    topic: str
    titles: Mapping[str, str] | I18nText
    bodies: Mapping[str, str] | I18nText
    summaries: Mapping[str, str] | I18nText = field(default_factory=dict)
    organization_id: int | None = None
    slug: str | None = None
    note: str = ""


def _clean(user, data: GuideData, guide: Guide | None) -> GuideData:
    refuse_control_characters({"title": dict(i18n(data.titles)), "summary": dict(i18n(data.summaries)),
                               "body": dict(i18n(data.bodies)), "note": data.note},
                              multiline=("summary", "body"))
    errors = Errors()
    country = (data.country or "").strip().upper()
    if country not in country_codes():
        errors.add("country", _("Choose a country from the list."))
    if data.topic not in TOPICS:
        errors.add("topic", _("Choose from the list."))
    titles, bodies, summaries = i18n(data.titles), i18n(data.bodies), i18n(data.summaries)
    if not titles:
        errors.add(first_field("title"), _("Give the title in at least one language."))
    if not bodies:
        errors.add(first_field("body"), _("Give the text in at least one language."))
    for name, texts, limit in (("title", titles, MAX_TITLE), ("summary", summaries, MAX_SUMMARY),
                               ("body", bodies, MAX_BODY)):
        for lang, text in texts.as_dict().items():
            if len(text) > limit:
                errors.add(f"{name}_{lang}", _("At most %(max)d characters.", max=limit))
    for lang in titles.languages():
        if lang not in bodies.languages():
            errors.add(f"body_{lang}", _("Give the text in the language of the title."))
    note = errors.text("note", data.note, 300) or ""
    organization_id = data.organization_id
    if guide is None:
        if organization_id is None and not is_moderator(user):
            ids = admin_org_ids(user)
            organization_id = min(ids) if len(ids) == 1 else None
            if organization_id is None:
                errors.add("organization_id", _("Choose the association the guide is written for."))
        if organization_id is not None and organization_id not in admin_org_ids(user) and not is_moderator(user):
            raise Forbidden(_("You can only write guides for associations you are an admin of."))
        if organization_id is not None and db.session.get(Organization, organization_id) is None:
            errors.add("organization_id", _("Choose from the list."))
    slug = (data.slug or "").strip().lower() or None
    if slug is not None:
        if slug != slugify(slug, SLUG_MAX) or not slug:
            errors.add("slug", _("Lower-case Latin letters, digits and hyphens, e.g. work-permit-russia."))
        elif db.session.scalar(select(Guide.id).where(Guide.slug == slug, Guide.id != (guide.id if guide else 0))):
            errors.add("slug", _("Another guide has this address."))
    errors.raise_if_any()
    return GuideData(country=country, topic=data.topic, titles=titles, bodies=bodies, summaries=summaries,
                     organization_id=organization_id, slug=slug, note=note)


def _unique_slug(title: I18nText, country: str) -> str:
    base = slugify(f"{title.any()} {country}", SLUG_MAX - 4) or f"guide-{country.lower()}"
    slug, n = base, 2
    while db.session.scalar(select(Guide.id).where(Guide.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _refresh_search(guide: Guide) -> None:
    parts: list[str] = []
    for text in (guide.title, guide.summary, guide.body):
        parts.extend(text.values())
    guide.search_text = search_text(*parts)


def _person_name(user) -> str:
    if not _authenticated(user) or getattr(user, "id", None) is None:
        return _("the site")
    return user.name or user.email


def _lock(guide: Guide) -> None:
    """Hold the guide until the end of the transaction: a second save at the same moment waits, then reads
    what the first wrote and numbers its version after it (else the unique (guide, number) would refuse it)."""
    table = Guide.__table__
    begin_writing().execute(sql_update(table).where(table.c.id == guide.id).values(id=table.c.id))
    db.session.refresh(guide)


def _add_version(user, guide: Guide, titles: I18nText, summaries: I18nText, bodies: I18nText,
                 note: str) -> GuideVersion:
    number = (db.session.scalar(select(func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide.id))
              or 0) + 1
    version = GuideVersion(guide_id=guide.id, number=number, title=titles, summary=summaries, body=bodies,
                           author_id=getattr(user, "id", None), author_name=_person_name(user), note=note)
    db.session.add(version)
    db.session.flush()
    return version


def create(user, data: GuideData, is_demo: bool = False) -> Guide:
    if not can_write(user):
        raise Forbidden(_("Only associations' admins and the site's moderators write guides."))
    clean = _clean(user, data, None)
    titles = i18n(clean.titles)
    guide = Guide(slug=clean.slug or _unique_slug(titles, clean.country), country=clean.country, topic=clean.topic,
                  title=titles, summary=i18n(clean.summaries), body=i18n(clean.bodies), status="draft",
                  organization_id=clean.organization_id, author_id=getattr(user, "id", None), is_demo=is_demo)
    _refresh_search(guide)
    db.session.add(guide)
    db.session.flush()
    _add_version(user, guide, guide.title, guide.summary, guide.body, clean.note or _("First version"))
    return guide


def _apply(guide: Guide, titles: I18nText, summaries: I18nText, bodies: I18nText) -> None:
    guide.title, guide.summary, guide.body = titles, summaries, bodies
    guide.updated_at = utcnow()
    _refresh_search(guide)


def update(user, guide: Guide, data: GuideData) -> GuideVersion:
    """Save a change as a new version. Before publication and for a moderator it is the guide's text at
    once; an association admin's change to a published guide waits for review (see the module)."""
    _require_edit(user, guide)
    _lock(guide)
    if guide.status == "archived":
        raise ServiceError(_("This guide is archived: publish it again before changing it."))
    clean = _clean(user, data, guide)
    titles = replaced(guide.title, clean.titles)
    summaries = replaced(guide.summary, clean.summaries)
    bodies = replaced(guide.body, clean.bodies)
    waits = guide.is_published and not is_moderator(user)
    if waits and (clean.country, clean.topic) != (guide.country, guide.topic):
        # a version keeps the text only: where and what a published guide is about changes through a moderator
        raise ServiceError(_("Ask a moderator to change the country or topic of a published guide."), "country")
    guide.country, guide.topic = clean.country, clean.topic
    if clean.slug and is_moderator(user):
        guide.slug = clean.slug
    version = _add_version(user, guide, titles, summaries, bodies, clean.note)
    if waits:
        guide.pending_version = version.number
        guide.review_note = None
    else:
        _apply(guide, titles, summaries, bodies)
        if guide.is_published:  # a moderator's change is reviewed by its writer
            _mark_reviewed(user, guide, version.number)
            guide.pending_version = None
    db.session.flush()
    return version


def submit(user, guide: Guide) -> None:
    _require_edit(user, guide)
    if guide.status != "draft":
        raise ServiceError(_("Only a draft can be sent for review."))
    guide.status, guide.review_note = "in_review", None
    db.session.flush()


def _mark_reviewed(user, guide: Guide, number: int | None) -> None:
    guide.reviewed_on = date.today()
    guide.reviewed_by_id = getattr(user, "id", None)
    guide.reviewed_by_name = _person_name(user)
    guide.published_version = number


def latest_version(guide: Guide) -> int | None:
    return db.session.scalar(select(func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide.id))


def publish(user, guide: Guide, read_version: int | None = None) -> None:
    """Publish a guide in review (or a draft, or an archived one), or approve the change waiting on a published
    one. Either way the guide counts as reviewed today by this moderator. `read_version`: the version the
    moderator read; if the writer saved another since, nothing is published (unread text never goes out as
    reviewed)."""
    _require_moderator(user)
    _lock(guide)
    waiting = guide.pending_version if guide.is_published and guide.pending_version else latest_version(guide)
    if read_version is not None and read_version != waiting:
        raise ServiceError(_("The guide was changed after you opened it: read it again before publishing."))
    if guide.is_published and guide.pending_version:
        version = version_of(guide, guide.pending_version)
        if version is not None:
            _apply(guide, version.title, version.summary, version.body)
        _mark_reviewed(user, guide, guide.pending_version)
        guide.pending_version = None
    else:
        guide.status = "published"
        guide.published_at = guide.published_at or utcnow()
        _mark_reviewed(user, guide, latest_version(guide))
        guide.updated_at = utcnow()
    guide.review_note = None
    db.session.flush()


def confirm_review(user, guide: Guide) -> None:
    """A moderator read the published guide again and it still holds: reviewed today, text unchanged."""
    _require_moderator(user)
    if not guide.is_published:
        raise ServiceError(_("Only a published guide can be confirmed."))
    _mark_reviewed(user, guide, guide.published_version)
    db.session.flush()


def send_back(user, guide: Guide, note: str) -> None:
    """Back to its writers with a note: a guide in review returns to draft; a change waiting on a published
    guide is set aside (the published text stays)."""
    _require_moderator(user)
    errors = Errors()
    note = errors.text("note", note, 1000, required=True, multiline=True) or ""
    errors.raise_if_any()
    if guide.is_published and guide.pending_version:
        guide.pending_version = None
    elif guide.status == "in_review":
        guide.status = "draft"
    else:
        raise ServiceError(_("Nothing of this guide is waiting for review."))
    guide.review_note = note
    db.session.flush()


def archive(user, guide: Guide) -> None:
    _require_moderator(user)
    guide.status, guide.pending_version = "archived", None
    db.session.flush()


# --- reading ----------------------------------------------------------------------------------------------

def by_slug(slug: str) -> Guide | None:
    return db.session.scalar(select(Guide).where(Guide.slug == slug))


def versions(guide: Guide) -> Sequence[GuideVersion]:
    return db.session.scalars(select(GuideVersion).where(GuideVersion.guide_id == guide.id)
                              .order_by(GuideVersion.number.desc())).all()


def version_of(guide: Guide, number: int) -> GuideVersion | None:
    return db.session.scalar(select(GuideVersion).where(GuideVersion.guide_id == guide.id,
                                                        GuideVersion.number == number))


def changed_fields(versions_newest_first: Sequence[GuideVersion]) -> dict[int, list[tuple[str, str]]]:
    """{version number: [(field, language), …] that differ from the version before it}: who changed what."""
    changes: dict[int, list[tuple[str, str]]] = {}
    ordered = list(reversed(versions_newest_first))
    for before, after in zip([None, *ordered], ordered, strict=False):
        found: list[tuple[str, str]] = []
        for name in ("title", "summary", "body"):
            old = getattr(before, name).as_dict() if before is not None else {}
            new = getattr(after, name).as_dict()
            found.extend((name, lang) for lang in sorted(set(old) | set(new)) if old.get(lang) != new.get(lang))
        changes[after.number] = found
    return changes


@dataclass
class GuideSearch:
    country: str | None = None
    topic: str | None = None
    topics: tuple[str, ...] = ()
    q: str = ""
    limit: int = 100


def find(search: GuideSearch) -> Sequence[Guide]:
    """Published guides, newest review first; `q` matches the folded text of every language."""
    query = select(Guide).where(Guide.status == "published")
    if search.country:
        query = query.where(Guide.country == search.country)
    if search.topic:
        query = query.where(Guide.topic == search.topic)
    if search.topics:
        query = query.where(Guide.topic.in_(search.topics))
    for word in fold(search.q).split()[:8]:
        query = query.where(Guide.search_text.like(like_pattern(word), escape="\\"))
    return db.session.scalars(query.order_by(Guide.reviewed_on.desc(), Guide.id.desc()).limit(search.limit)).all()


def guides_for(country: str | None, topic_or_category: str | None, limit: int = 5) -> Sequence[Guide]:
    """The published guides of a country that fit a kind of help (a Category slug) or a topic."""
    if not country or not topic_or_category:
        return []
    topics = CATEGORY_TOPICS.get(topic_or_category) or ((topic_or_category,) if topic_or_category in TOPICS else ())
    if not topics:
        return []
    return find(GuideSearch(country=country, topics=topics, limit=limit))


def writer_guides(user) -> Sequence[Guide]:
    """What this person can edit, every status (a moderator: all)."""
    query = select(Guide)
    if not is_moderator(user):
        ids = admin_org_ids(user)
        if not ids:
            return []
        query = query.where(Guide.organization_id.in_(ids))
    return db.session.scalars(query.order_by(Guide.updated_at.desc())).all()


def review_due_before(today: date | None = None) -> date:
    return (today or date.today()) - REVIEW_EVERY


def is_review_due(guide: Guide, today: date | None = None) -> bool:
    return guide.is_published and guide.reviewed_on is not None and guide.reviewed_on < review_due_before(today)


def review_queue() -> dict[str, Sequence[Guide]]:
    """The moderators' queue: new guides in review, changes to published ones, reviews due."""
    return {
        "in_review": db.session.scalars(select(Guide).where(Guide.status == "in_review")
                                        .order_by(Guide.updated_at)).all(),
        "changes": db.session.scalars(select(Guide).where(Guide.status == "published",
                                                          Guide.pending_version.is_not(None))
                                      .order_by(Guide.updated_at)).all(),
        "due": db.session.scalars(select(Guide).where(Guide.status == "published",
                                                      Guide.reviewed_on < review_due_before())
                                  .order_by(Guide.reviewed_on)).all(),
    }


# --- the reminder -----------------------------------------------------------------------------------------

def remind_reviews_job(now: datetime) -> str:
    """Once per review: a guide reviewed more than a year ago gets one reminder, to its author (or the site's
    moderators when the author is gone). Queued here, written and sent by the worker."""
    due = db.session.scalars(select(Guide).where(
        Guide.status == "published", Guide.reviewed_on < review_due_before(now.date()),
        or_(Guide.reminded_for.is_(None), Guide.reminded_for != Guide.reviewed_on))).all()
    queued = 0
    for guide in due:
        people = [guide.author] if guide.author is not None else db.session.scalars(
            select(User).where(User.is_admin.is_(True))).all()
        for person in people:
            mail.queue_later(person.email, "guides/review_due", person.locale or "ru", guide_id=guide.id)
            queued += 1
        guide.reminded_for = guide.reviewed_on
    db.session.flush()
    return f"{queued} reminders for {len(due)} guides"


def compose(template: str, params: dict, message) -> mail.Composed | str:
    from diaspora.urls import external_url

    guide = db.session.get(Guide, params.get("guide_id") or 0)
    if guide is None or not is_review_due(guide):
        return "the guide is gone, or was reviewed since"
    return mail.Composed({"guide": guide, "link": external_url("guides.show", slug=guide.slug),
                          "queue": external_url("guides.review_queue")})


def languages_of(guide: Guide) -> list[str]:
    """The content languages the guide has, CONTENT_LANGUAGES' order first."""
    have = guide.title.languages()
    return [lang for lang in content_languages() if lang in have] + [lang for lang in have
                                                                      if lang not in content_languages()]

