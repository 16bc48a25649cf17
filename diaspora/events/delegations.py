"""Delegations: a head registers several people at once (a region's business delegation).

Each member is an ordinary Registration of the event linked to the delegation, so check-in, tickets,
exports, the dashboard, the team's notifications and the waitlist treat them as anyone else. Members are
placed in their order under the event's lock, by the very statement a single registration takes it with
(events.locking.lock_for_registration), once per member: confirmed (or pending) while places last, then
waitlisted with consecutive numbers, and the event's counters stay what the single registration's fast path
reads. The head is a participant only when listed among the members (the API lists a head who gives the
registration fields first); the head's page is /d/<token>.
"""
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from diaspora import mail, signals, unit_of_work
from diaspora.codes import random_code
from diaspora.database import utcnow
from diaspora.errors import NotFound
from diaspora.events import notify, session_seats
from diaspora.events import registrations as regs
from diaspora.events.answers import clean_email_and_phone
from diaspora.events.locking import lock_event, lock_for_registration
from diaspora.events.registration_rules import EventRules, event_rules
from diaspora.extensions import db
from diaspora.models import Delegation, Project, Registration, RegistrationSession
from diaspora.text import search_text
from diaspora.validation import Errors

MAX_MEMBERS = 100


@dataclass
class HeadData:
    full_name: str = ""
    email: str = ""
    phone: str | None = None
    name: str | None = None  # of the delegation: "Osh region business delegation"
    language: str = "ky"
    consent: bool = False


@dataclass
class DelegationRef:
    """What the caller answers with (no ORM object: the unit may be retried)."""

    id: int
    token: str
    members: list[Registration] = field(default_factory=list)


def _prefixed(errors: Errors, prefix: str, error: regs.InvalidRegistration) -> None:
    for name, messages in error.errors.items():
        for message in messages:
            errors.add(f"{prefix}.{name}", message)


def too_many_message() -> str:
    return _("At most %(num)d members at once.", num=MAX_MEMBERS)


def clean_head(head: HeadData, errors: Errors) -> HeadData:
    """The head's contact, each problem filed under head.<field> (the delegation's name under `name`)."""
    out = HeadData(language=head.language if head.language in ("ky", "ru", "en") else "ky")
    if head.language not in ("ky", "ru", "en"):
        errors.add("language", _("Choose from the list."))
    out.full_name = errors.text("head.full_name", head.full_name, 200, required=True) or ""
    out.email, out.phone = clean_email_and_phone(errors, head.email, head.phone, prefix="head.")
    out.name = errors.text("name", head.name, 200) or None
    if head.consent is not True:
        errors.add("consent", _("We can only register the delegation with your consent to the processing of "
                                "the members' data."))
    out.consent = head.consent is True
    return out


def clean_members(rules: EventRules, members: list[regs.RegistrationData], language: str,
                  errors: Errors, first: int = 0) -> list[regs.RegistrationData]:
    """Each member checked as a single registration is (events.answers.clean), an email optional; problems
    filed under members.<index>.<field>, and an address given twice in the delegation refused."""
    cleaned = []
    seen: dict[str, int] = {}
    for index, member in enumerate(members, start=first):
        member.consent = True  # the head consents for the delegation (checked in clean_head)
        member.public_listing = False  # only the person may publish their name, from their own page
        member.language = language
        try:
            data = regs.clean(rules, member, email_required=False)
        except regs.InvalidRegistration as error:
            _prefixed(errors, f"members.{index}", error)
            continue
        if data.email:
            if data.email in seen:
                errors.add(f"members.{index}.email", _("This email is already given for another member of the "
                                                       "delegation."))
            seen[data.email] = index
        cleaned.append(data)
    return cleaned


def _open_rules(slug: str) -> EventRules:
    """The event's rules as they are now (call with the event locked); RegistrationClosed unless open."""
    rules = event_rules(slug, fresh=True)
    if rules is None or rules.status == "draft":
        raise NotFound(_("This page does not exist, or it is not public."))
    state = regs.registration_state(rules)
    if state != "open":
        raise regs.RegistrationClosed(regs.closed_message(state), None)
    return rules


def _already_registered(rules: EventRules, members: list[regs.RegistrationData], first: int) -> dict[str, Registration]:
    """{email: the event's cancelled registration to take over}; an address registered and not cancelled is
    refused as the single registration path would say it (nothing more about that registration)."""
    emails = [m.email for m in members if m.email]
    rows = db.session.scalars(select(Registration).where(
        Registration.event_id == rules.id, Registration.email.in_(emails))).all() if emails else []
    by_email = {r.email: r for r in rows if r.email}
    errors = Errors()
    for index, member in enumerate(members, start=first):
        row = by_email.get(member.email) if member.email else None
        if row is not None and row.status != "cancelled":
            errors.add(f"members.{index}.email", _("%(email)s is already registered for this event.",
                                                   email=member.email))
    errors.raise_if_any(regs.InvalidRegistration)
    return {email: row for email, row in by_email.items() if row.status == "cancelled"}


def _place(rules: EventRules, delegation: Delegation, data: regs.RegistrationData, index: int,
           cancelled: dict[str, Registration]) -> Registration:
    """One member, in turn: the lock statement counts them in and decides, as for a single registration."""
    row = lock_for_registration(rules.id, rules.slug)
    if row is None:
        raise NotFound(_("This page does not exist, or it is not public."))
    if not row.last_registration_waitlisted:
        status, seq = ("pending" if rules.requires_approval else "confirmed"), None
    else:
        status, seq = "waitlisted", row.waitlist_seq
    now = utcnow()
    registration = cancelled.get(data.email) if data.email else None
    if registration is None:
        registration = Registration(event_id=rules.id, email=data.email or None)
        db.session.add(registration)
    else:  # cancelled before: the row comes back as a new registration, as registering again does
        db.session.execute(delete(RegistrationSession).where(RegistrationSession.registration_id == registration.id))
        # the earlier person's proposals stay theirs: not shown to, nor editable by, whoever takes the row
        db.session.execute(update(Project).where(Project.registration_id == registration.id)
                           .values(registration_id=None))
        db.session.expire(registration, ["session_links"])
        registration.session_links = []
        registration.checked_in_at = registration.checked_in_by_id = registration.reminded_at = None
        registration.promoted_at = registration.cancelled_at = registration.rejection_reason = None
        registration.user_id = None
    code = random_code(8)
    for name in ("full_name", "phone", "country", "city", "home_region", "organization_id", "sector",
                 "project_title", "project_text", "answers", "public_listing", "language"):
        setattr(registration, name, getattr(data, name))
    registration.token = secrets.token_urlsafe(32)
    registration.code = code
    registration.status, registration.waitlist_seq = status, seq
    registration.consented_at = registration.created_at = registration.updated_at = now
    registration.delegation = delegation
    registration.search_text = search_text(data.full_name, data.email, data.city, code, delegation.label)
    # chosen sessions wait unnumbered, then a member who holds a place gets a seat or the next number in
    # each (a full session does not refuse anyone: events.session_seats); a waitlisted member's wait until
    # promote() places them
    registration.session_links += [RegistrationSession(session_id=s, status="waiting", waiting_seq=None)
                                   for s in data.sessions]
    db.session.flush()
    session_seats.place(registration)
    notify.queue(registration.id, registration.email, registration.language, notify.NEW_REGISTRATION[status])
    return registration


def _retrying(fn):
    """A clash of the random check-in codes rolls back (releasing the lock) and draws again, as register()."""
    for attempt in range(3):
        try:
            return fn()
        except IntegrityError:
            unit_of_work.discard()
            if attempt == 2:
                raise
    raise AssertionError("not reached")


def create(slug: str, head: HeadData, members: list[regs.RegistrationData]) -> DelegationRef:
    """Register a delegation: every field checked first (all problems at once: InvalidRegistration), then the
    members placed in their order under the event's lock. The head gets a mail with the delegation's link;
    members with an email get their own registration mail, as single registrants do."""
    errors = Errors()
    head = clean_head(head, errors)
    if not members:
        errors.add("members", _("Add at least one member."))
    elif len(members) > MAX_MEMBERS:
        errors.add("members", too_many_message())
    # read now, not this process's copy: a delegation is rare, and its members are judged on the event as it is
    checked = event_rules(slug, fresh=True)
    if checked is None or checked.status == "draft":
        raise NotFound(_("This page does not exist, or it is not public."))
    cleaned = clean_members(checked, members, head.language, errors)
    errors.raise_if_any(regs.InvalidRegistration)

    def run() -> DelegationRef:
        lock_event(checked.id)
        rules = _open_rules(slug)
        data = cleaned
        if rules.updated_at != checked.updated_at:  # the event changed meanwhile: check against it as it is
            again = Errors()
            data = clean_members(rules, members, head.language, again)
            again.raise_if_any(regs.InvalidRegistration)
        cancelled = _already_registered(rules, data, 0)
        now = utcnow()
        delegation = Delegation(event_id=rules.id, token=secrets.token_urlsafe(32), name=head.name,
                                head_name=head.full_name, head_email=head.email, head_phone=head.phone,
                                language=head.language, consented_at=now, created_at=now)
        db.session.add(delegation)
        placed = [_place(rules, delegation, member, index, cancelled) for index, member in enumerate(data)]
        mail.queue_later("", "delegations/delegation_registered", head.language, delegation_id=delegation.id)
        return DelegationRef(delegation.id, delegation.token, placed)

    return _retrying(run)


def add_member(delegation: Delegation, member: regs.RegistrationData) -> Registration:
    """The head adds someone: placed at the end (after everyone registered so far), under the lock."""
    slug, delegation_id = delegation.event.slug, delegation.id
    index = len(delegation.members)
    errors = Errors()
    rules = event_rules(slug, fresh=True)
    if rules is None:
        raise NotFound(_("This page does not exist, or it is not public."))
    cleaned = clean_members(rules, [member], delegation.language, errors, first=index)
    errors.raise_if_any(regs.InvalidRegistration)
    data = cleaned[0]

    def run() -> Registration:
        lock_event(rules.id)
        current = _open_rules(slug)
        checked = data
        if current.updated_at != rules.updated_at:
            again = Errors()
            again_cleaned = clean_members(current, [member], delegation.language, again, first=index)
            again.raise_if_any(regs.InvalidRegistration)
            checked = again_cleaned[0]
        active = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.delegation_id == delegation_id, Registration.status.not_in(("cancelled", "rejected"))))
        if (active or 0) >= MAX_MEMBERS:
            raise regs.InvalidRegistration({"members": [too_many_message()]})
        cancelled = _already_registered(current, [checked], index)
        return _place(current, db.session.get_one(Delegation, delegation_id), checked, index, cancelled)

    return _retrying(run)


def update_member(delegation: Delegation, registration: Registration, data: regs.RegistrationData) -> None:
    """The head edits a member's answers (the email stays as it is, as on a member's own page)."""
    _require_member(delegation, registration)
    data.language = registration.language
    data.public_listing = registration.public_listing  # the member's own choice, not the head's
    regs.update_registration(registration, data)
    registration.search_text = search_text(registration.full_name, registration.email, registration.city,
                                           registration.code, delegation.label)


def cancel_members(delegation: Delegation, chosen: list[Registration]) -> list[Registration]:
    """Cancel these members (one, or all still registered): each freed place goes to the first on the
    waitlist (registrations.cancel promotes exactly one per place). Members with an email get the usual
    mail; the head gets one mail naming those cancelled. Returns those cancelled now."""
    cancelled = []
    for registration in chosen:
        _require_member(delegation, registration)
        if registration.status in ("cancelled", "rejected"):
            continue
        regs.cancel(registration, by="delegation_head")  # the head gets one mail for all, below
        cancelled.append(registration)
    if cancelled:
        mail.queue_later("", "delegations/members_cancelled", delegation.language,
                         delegation_id=delegation.id, registration_ids=[r.id for r in cancelled])
    return cancelled


def tell_head(registration: Registration, change: str, by: str = "person", **details) -> None:
    """The receiver of signals.registration_changed: a member who cancelled on their own page is named to the
    head in a short mail (unless the head is that member: their own mail tells them already)."""
    delegation = registration.delegation
    if change != "cancelled" or by != "person" or delegation is None:
        return
    if not delegation.head_email:  # no key opens it any more: nobody to tell
        return
    if registration.email and registration.email.casefold() == delegation.head_email.casefold():
        return
    mail.queue_later("", "delegations/member_cancelled_themselves", delegation.language,
                     delegation_id=delegation.id, registration_ids=[registration.id])


def active_members(delegation: Delegation) -> list[Registration]:
    return [m for m in delegation.members if m.status not in ("cancelled", "rejected")]


def _require_member(delegation: Delegation, registration: Registration) -> None:
    if registration.delegation_id != delegation.id:
        raise NotFound(_("This page does not exist, or it is not public."))


def by_token(token: str) -> Delegation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Delegation).where(Delegation.token == token))


def member_of(delegation: Delegation, registration_id: int) -> Registration | None:
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.delegation_id == delegation.id else None


# --- the head's mail ----------------------------------------------------------------------------------

def compose(template: str, params: dict, message=None):
    """diaspora.mail's composer for delegations/*: the head's mail, composed when sent."""
    from diaspora.urls import external_url

    delegation = db.session.get(Delegation, params.get("delegation_id"))
    if delegation is None or not delegation.head_email:
        return "the delegation no longer exists"
    event = delegation.event
    if event.status == "cancelled":
        return "outdated: the event was cancelled"
    members = [(m, regs.waitlist_position(m)) for m in delegation.members]
    ids = set(params.get("registration_ids") or [])
    cancelled = [m for m in delegation.members if m.id in ids]
    if template.endswith("/member_cancelled_themselves") and not any(m.status == "cancelled" for m in cancelled):
        return "outdated: the member is registered again"
    return mail.Composed({
        "delegation": delegation, "event": event, "members": members,
        "cancelled": cancelled,
        "link": external_url("events.delegation", token=delegation.token),
        "event_url": external_url("events.show", slug=event.slug),
    }, to=delegation.head_email, reply_to=event.reply_to)  # kept encrypted: given only at sending time


def init_app(app) -> None:
    mail.register_composer("delegations", compose)
    signals.registration_changed.connect(tell_head)
    # once delivered, the head's private link and address have no business in the outbox that site admins read
    mail.register_kinds("delegation_registered", "members_cancelled", "member_cancelled_themselves",
                        redact=r"(/d/)[\w-]{20,}", personal=True)
