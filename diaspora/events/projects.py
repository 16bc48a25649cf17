"""Project proposals: participants submit them from their private page, reviewers score and comment,
organizers accept or decline (with a reason) and may attach an accepted project to a programme session.
Accepted projects whose authors consented are listed publicly, never with the author's contacts.

Who may do what is events.permissions ("review", "decide_projects"); the author is whoever holds the
registration's private link. Services flush; the request commits. The author hears of a decision through
signals.project_decided (events.project_mail)."""
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from diaspora import signals
from diaspora.database import utcnow
from diaspora.errors import NotFound, ServiceError
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.events.locking import lock_event
from diaspora.events.permissions import require
from diaspora.extensions import db
from diaspora.models import Event, EventSession, Project, ProjectReview, Registration
from diaspora.models.project import CURRENCIES, PROJECT_STAGES
from diaspora.validation import Errors, ValidationError, required_message

MAX_AMOUNT = 10**12  # a whole number of the currency's units: beyond any forum's project
MAX_PER_AUTHOR = 5
TITLE_LENGTH, SUMMARY_LENGTH, DISTRICT_LENGTH, COMMENT_LENGTH, REASON_LENGTH = 200, 5000, 120, 5000, 2000
# a registration that still takes part may propose
AUTHOR_STATUSES = ("confirmed", "pending", "waitlisted")


class InvalidProject(ValidationError):
    """A proposal (or a review, a decision) with fields that break the rules."""


@dataclass
class ProjectData:
    title: str | None = None
    home_region: str | None = None
    district: str | None = None
    sector: str | None = None
    amount: int | str | None = None
    currency: str | None = "USD"
    stage: str | None = None
    summary: str | None = None
    contact_consent: bool = False
    public_consent: bool = False


@dataclass
class Filters:
    home_region: str | None = None
    sector: str | None = None
    status: str | None = None


def _choice(errors: Errors, name: str, value, allowed, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("Choose from the list."))
        return None
    if not isinstance(value, str) or value not in allowed:
        errors.add(name, _("Choose from the list."))
        return None
    return value


def _amount(errors: Errors, value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        errors.add("amount", _("Enter a whole number from 0 to %(max)s.", max=f"{MAX_AMOUNT:,}".replace(",", " ")))
        return None
    return value


def clean(data: ProjectData) -> ProjectData:
    """The proposal as stored, or InvalidProject naming every field that breaks a rule."""
    errors = Errors()
    out = ProjectData()
    out.title = errors.text("title", data.title, TITLE_LENGTH, required=True)
    out.home_region = _choice(errors, "home_region", data.home_region, HOME_REGIONS)
    out.district = errors.text("district", data.district, DISTRICT_LENGTH)
    out.sector = _choice(errors, "sector", data.sector, SECTORS)
    out.amount = _amount(errors, data.amount)
    out.currency = _choice(errors, "currency", data.currency or "USD", CURRENCIES)
    out.stage = _choice(errors, "stage", data.stage, PROJECT_STAGES)
    out.summary = errors.text("summary", data.summary, SUMMARY_LENGTH, required=True, multiline=True)
    out.contact_consent = data.contact_consent is True
    out.public_consent = data.public_consent is True
    errors.raise_if_any(InvalidProject)
    return out


def _apply(project: Project, data: ProjectData) -> None:
    for name in ("title", "home_region", "district", "sector", "amount", "currency", "stage", "summary",
                 "contact_consent", "public_consent"):
        setattr(project, name, getattr(data, name))


# --- the author (the registration's private link) -------------------------------------------------------

def of_author(registration: Registration) -> Sequence[Project]:
    return db.session.scalars(select(Project).where(Project.registration_id == registration.id)
                              .order_by(Project.created_at, Project.id)).all()


def can_propose(registration: Registration) -> bool:
    return registration.status in AUTHOR_STATUSES and registration.event.status == "published"


def _require_author(registration: Registration) -> None:
    if not can_propose(registration):
        raise ServiceError(_("Only participants of an event that takes place can propose projects."))


def submit(registration: Registration, data: ProjectData) -> Project:
    _require_author(registration)
    cleaned = clean(data)
    # two submissions at once must not both count below the limit: the event's lock orders them
    lock_event(registration.event_id)
    db.session.refresh(registration)
    _require_author(registration)
    if len(of_author(registration)) >= MAX_PER_AUTHOR:
        raise ServiceError(_("At most %(num)d projects per participant.", num=MAX_PER_AUTHOR))
    project = Project(event_id=registration.event_id, registration_id=registration.id, status="submitted")
    _apply(project, cleaned)
    db.session.add(project)
    db.session.flush()
    return project


def authors_project(registration: Registration, project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or project.registration_id != registration.id:
        raise NotFound(_("Not found."))
    return project


def edit(registration: Registration, project_id: int, data: ProjectData) -> Project:
    """The author changes the proposal while it waits for the decision."""
    _require_author(registration)
    project = authors_project(registration, project_id)
    if project.status != "submitted":
        raise ServiceError(_("Only a proposal waiting for the decision can be changed."))
    _apply(project, clean(data))
    return project


def withdraw(registration: Registration, project_id: int) -> Project:
    _require_author(registration)
    project = authors_project(registration, project_id)
    if project.status not in ("submitted", "accepted"):
        raise ServiceError(_("This proposal was already decided or withdrawn."))
    project.status = "withdrawn"
    project.session_id = None
    return project


def clean_registration_fields(title, text) -> tuple[str | None, str | None]:
    """The API's older project_title/project_text (sent with a registration): checked as events.answers did."""
    errors = Errors()
    title = errors.text("project_title", title, TITLE_LENGTH)
    text = errors.text("project_text", text, 3000, multiline=True)
    if text and not title:
        errors.setdefault("project_title", _("Give your project a title."))
    errors.raise_if_any(InvalidProject)
    return title, text


def from_registration_fields(registration_id: int, title: str, text: str | None) -> Project:
    """A submitted project from the API's project_title/project_text, with the author's region and sector."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("Not found."))
    project = Project(event_id=registration.event_id, registration_id=registration.id, title=title,
                      summary=text or "", home_region=registration.home_region, sector=registration.sector,
                      status="submitted")
    db.session.add(project)
    db.session.flush()
    return project


# --- reviewers and organizers ---------------------------------------------------------------------------

def listing(user, event: Event, filters: Filters) -> list[tuple[Project, float | None, int]]:
    """(project, average score, number of reviews), newest first."""
    require(user, event, "review")
    scores = (select(ProjectReview.project_id, func.avg(ProjectReview.score).label("average"),
                     func.count(ProjectReview.id).label("reviews"))
              .group_by(ProjectReview.project_id).subquery())
    query = (select(Project, scores.c.average, scores.c.reviews)
             .outerjoin(scores, scores.c.project_id == Project.id)
             .where(Project.event_id == event.id).order_by(Project.created_at.desc(), Project.id.desc()))
    if filters.home_region:
        query = query.where(Project.home_region == filters.home_region)
    if filters.sector:
        query = query.where(Project.sector == filters.sector)
    if filters.status:
        query = query.where(Project.status == filters.status)
    return [(project, float(average) if average is not None else None, reviews or 0)
            for project, average, reviews in db.session.execute(query)]


def for_review(user, event: Event, project_id: int) -> Project:
    require(user, event, "review")
    project = db.session.get(Project, project_id)
    if project is None or project.event_id != event.id:
        raise NotFound(_("Not found."))
    return project


def own_review(user, project: Project) -> ProjectReview | None:
    return next((review for review in project.reviews if review.reviewer_id == user.id), None)


def review(user, event: Event, project_id: int, score, comment: str | None) -> ProjectReview:
    """The reviewer's score (1 to 5) and comment: one per reviewer, changed in place."""
    project = for_review(user, event, project_id)
    errors = Errors()
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors.add("score", _("Choose a score from 1 to 5."))
    text = errors.text("comment", comment, COMMENT_LENGTH, multiline=True)
    errors.raise_if_any(InvalidProject)
    mine = own_review(user, project)
    if mine is None:
        try:
            with db.session.begin_nested():
                db.session.add(ProjectReview(project_id=project.id, reviewer_id=user.id, score=score,
                                             comment=text or ""))
        except IntegrityError:  # the same reviewer's other tab, a moment earlier: change that one
            pass
        db.session.expire(project, ["reviews"])
        mine = own_review(user, project)
        if mine is None:
            raise ServiceError(_("Please try again."), "score")
    mine.score, mine.comment, mine.updated_at = score, text or "", utcnow()
    return mine


DECISIONS = {"accept": "accepted", "decline": "declined"}


def decide(user, event: Event, project_id: int, decision: str | None, reason: str | None) -> Project:
    """Accept or decline (a reason is required to decline); the author is told (signals.project_decided)."""
    project = for_review(user, event, project_id)
    require(user, event, "decide_projects")
    errors = Errors()
    if decision not in DECISIONS:
        errors.add("decision", _("Choose from the list."))
    text = errors.text("reason", reason, REASON_LENGTH, multiline=True)
    if decision == "decline" and not text and "reason" not in errors:
        errors.add("reason", required_message())
    errors.raise_if_any(InvalidProject)
    if project.status == "withdrawn":
        raise ServiceError(_("The author withdrew this proposal."), "decision")
    status = DECISIONS[decision or ""]
    changed = project.status != status
    project.status, project.decision_reason = status, text
    project.decided_by_id, project.decided_at = user.id, utcnow()
    if status != "accepted":
        project.session_id = None
    db.session.flush()
    if changed:
        signals.project_decided.send(project, decision=status)
    return project


def attach_session(user, event: Event, project_id: int, session_id: int | None) -> Project:
    """Show an accepted project under a session of the programme (None: under none)."""
    project = for_review(user, event, project_id)
    require(user, event, "decide_projects")
    if session_id is not None:
        session = db.session.get(EventSession, session_id)
        if session is None or session.event_id != event.id:
            raise ServiceError(_("Choose from the list."), "session_id")
        if project.status != "accepted":
            raise ServiceError(_("Only an accepted project can be attached to a session."), "session_id")
    project.session_id = session_id
    return project


# --- everyone -------------------------------------------------------------------------------------------

def public(event: Event, filters: Filters | None = None) -> Sequence[Project]:
    """Accepted projects whose authors agreed to be listed and still take part (a cancelled or rejected
    registration, or none, takes its projects off the list: the author can no longer withdraw them), by region,
    then title."""
    query = select(Project).where(Project.event_id == event.id, Project.status == "accepted",
                                  Project.public_consent.is_(True),
                                  Project.registration.has(Registration.status.not_in(("cancelled", "rejected"))))
    if filters and filters.home_region:
        query = query.where(Project.home_region == filters.home_region)
    if filters and filters.sector:
        query = query.where(Project.sector == filters.sector)
    regions = list(HOME_REGIONS)
    return sorted(db.session.scalars(query).all(),
                  key=lambda p: (regions.index(p.home_region) if p.home_region in regions else len(regions),
                                 p.title.casefold(), p.id))


def by_region(projects: Sequence[Project]) -> list[tuple[str | None, list[Project]]]:
    groups: dict[str | None, list[Project]] = {}
    for project in projects:
        groups.setdefault(project.home_region, []).append(project)
    return list(groups.items())


def by_session(projects: Sequence[Project]) -> dict[int, list[Project]]:
    sessions: dict[int, list[Project]] = {}
    for project in projects:
        if project.session_id is not None:
            sessions.setdefault(project.session_id, []).append(project)
    return sessions
