"""Telling the team of new registrations: the notification job (every few minutes, from the worker).

Registering queues nothing for the team (the hot path stays as it is): this job finds, per team member
with the role organizer or registrations, the registrations made since the member was last told
(EventTeamMember.notified_until) and mails them as the member chose: "immediately" (each run, one mail per
registration, or one list when many came at once), "daily" (one digest a day), or "off"."""
from datetime import datetime, timedelta

from sqlalchemy import select

from diaspora import mail
from diaspora.events import permissions
from diaspora.events.choices import STATUSES
from diaspora.extensions import db
from diaspora.models import Event, EventTeamMember, Registration, User
from diaspora.urls import external_url

EVERY = timedelta(minutes=5)
DAY = timedelta(days=1) - EVERY  # a digest a day, whatever the job's exact moment
# a registration committing while the job reads has an earlier created_at than the job's moment: the job
# looks only at registrations older than this, so none slips between two rounds
SETTLE = timedelta(minutes=1)
ONE_BY_ONE = 5  # more new registrations than this in one round go out as one list
NOTIFIED_ROLES = ("organizer", "registrations")
ACTIVE = ("confirmed", "pending", "waitlisted")
KIND, DIGEST_KIND = "event_team_new_registration", "event_team_digest"


def _due(member: EventTeamMember, now: datetime) -> bool:
    since = member.notified_until or member.created_at
    return member.notify == "immediately" or (member.notify == "daily" and since <= now - DAY)


def run(now: datetime) -> str:
    cutoff = now - SETTLE
    rows = db.session.execute(
        select(EventTeamMember, User).join(User, User.id == EventTeamMember.user_id).join(
            Event, Event.id == EventTeamMember.event_id)
        .where(EventTeamMember.role.in_(NOTIFIED_ROLES), EventTeamMember.notify != "off",
               Event.status == "published")
        .order_by(EventTeamMember.id)).all()
    sent = 0
    for member, user in rows:
        if not _due(member, cutoff):
            continue
        since = member.notified_until or member.created_at
        new = db.session.scalars(select(Registration).where(
            Registration.event_id == member.event_id, Registration.created_at > since,
            Registration.created_at <= cutoff, Registration.status.in_(ACTIVE))
            .order_by(Registration.created_at, Registration.id)).all()
        member.notified_until = max(since, cutoff)  # never back before the member joined
        if not new or not permissions.can(user, member.event, "registrations"):
            continue  # (the creator's own listing once they no longer organize: they hear of nobody)
        event = member.event
        locale = user.locale or "ky"
        pending = sum(1 for r in new if r.status == "pending")
        if member.notify == "immediately" and len(new) <= ONE_BY_ONE:
            for registration in new:
                mail.queue(user.email, KIND, locale, event=event, registration=registration, statuses=STATUSES,
                           link=external_url("events.registration_detail", slug=event.slug,
                                             registration_id=registration.id))
                sent += 1
        else:
            mail.queue(user.email, DIGEST_KIND, locale, event=event, registrations=new, pending=pending,
                       statuses=STATUSES, link=external_url("events.registrations", slug=event.slug))
            sent += 1
    db.session.flush()
    return f"{sent} mails to event teams"


def init_app(app) -> None:
    from diaspora import jobs

    mail.register_kinds(KIND, DIGEST_KIND)
    jobs.register("event-team-notify", EVERY, run)
