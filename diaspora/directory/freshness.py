"""Entries that stay true: each association's people confirm it once a year (a one-click link in the yearly
reminder), an entry nobody confirmed for 18 months is shown as possibly outdated and waits in the
moderators' queue, and a report of an entry is mailed at once to its admins and the moderators."""
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import or_, select

from diaspora import mail
from diaspora.database import utcnow
from diaspora.directory.services import editors_of, record
from diaspora.extensions import db
from diaspora.models import Organization, User
from diaspora.models.organization import OUTDATED_AFTER
from diaspora.urls import external_url

REMIND_EVERY = timedelta(days=365)
# the reminder's link works for a while after the mail (a holiday, a busy month), not forever
LINK_VALID_FOR = timedelta(days=90)
REMINDER_KIND = "organization_reminder"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="organization-confirm")


def confirm_token(org: Organization) -> str:
    return _serializer().dumps({"o": org.id})


def organization_for_token(token: str) -> Organization | None:
    """The published association the link was made for, while the link is valid."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_VALID_FOR.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    org = db.session.get(Organization, data.get("o")) if isinstance(data, dict) and isinstance(
        data.get("o"), int) else None
    return org if org is not None and org.is_published else None


def confirm(org: Organization, user: User | None = None) -> None:
    """The entry is still correct, as of now."""
    org.confirmed_at = utcnow()
    record(org, user if user is not None and getattr(user, "is_authenticated", False) else None, "confirmed")


def _owners(org: Organization) -> list[User]:
    """Who is reminded: the owner, or its co-admins when it has no owner any more."""
    editors = editors_of(org)
    return [user for user, role in editors if role == "owner"] or [user for user, _ in editors]


def remind_owners(now: datetime | None = None) -> int:
    """The yearly round: a reminder to the people of each published entry not confirmed for a year, and not
    reminded in the last year either. Returns how many mails were queued."""
    now = now or utcnow()
    due = db.session.scalars(select(Organization).where(
        Organization.status == "published", Organization.is_demo.is_(False),
        Organization.confirmed_at <= now - REMIND_EVERY,
        or_(Organization.reminded_at.is_(None), Organization.reminded_at <= now - REMIND_EVERY))
        .order_by(Organization.id)).all()
    sent = 0
    for org in due:
        org.reminded_at = now
        for user in _owners(org):
            mail.queue(user.email, REMINDER_KIND, user.locale or "ky", org=org,
                       confirm_link=external_url("directory.confirm", org_id=org.id, token=confirm_token(org)),
                       edit_link=external_url("directory.edit", org_id=org.id), confirmed_at=org.confirmed_at)
            sent += 1
    db.session.flush()
    return sent


def remind_job(now: datetime) -> str:
    return f"{remind_owners(now)} reminders to confirm entries"


def outdated(now: datetime | None = None, limit: int = 200) -> Sequence[Organization]:
    """Published entries nobody confirmed for 18 months, the oldest first: the moderators' queue."""
    now = now or utcnow()
    return db.session.scalars(select(Organization).where(
        Organization.status == "published", Organization.confirmed_at < now - OUTDATED_AFTER)
        .order_by(Organization.confirmed_at, Organization.id).limit(limit)).all()


def init_app(app) -> None:
    from diaspora import jobs

    # the one-click link confirms the entry without a login: not kept once the mail is sent
    mail.register_kinds(REMINDER_KIND, redact=r"(/confirm/)[\w.-]+")
    jobs.register("remind-owners", timedelta(days=1), remind_job)
