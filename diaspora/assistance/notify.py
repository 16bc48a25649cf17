"""Mail about requests for help. Mail to the person is queued with only the request's id and composed
when it is sent, from the encrypted request: their address and private link never sit in the outbox,
and nothing goes out once they deleted the request. Mail to associations says only that something is
waiting (kind of help, city, urgency) and links to the page behind the login."""
from sqlalchemy import select

from diaspora import mail, signals
from diaspora.extensions import db
from diaspora.models import HelpRequest, HelpRoute, Membership, Organization, User
from diaspora.urls import external_url


def tell_person(request: HelpRequest, template: str, **params) -> None:
    """Mail to the person, when they gave an address, in the language they asked in; announced, for a
    linked Telegram chat (signals.help_request_news)."""
    signals.help_request_news.send(request, news=template, **params)
    if request.email:
        locale = request.language if request.language in ("ky", "ru", "en") else "ru"
        mail.queue_later("", f"assistance/{template}", locale, request_id=request.id, **params)


def tell_association(org_id: int, request: HelpRequest, template: str) -> None:
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == org_id)).all()
    link = external_url("assistance.request_detail", request_id=request.id)
    for person in people:
        mail.queue(person.email, f"assistance/{template}", person.locale or "ru", request=request, link=link)


def compose(template: str, params: dict, message) -> mail.Composed | str:
    request = db.session.get(HelpRequest, params.get("request_id") or 0)
    if request is None or request.anonymised_at is not None or not request.email:
        return "the person deleted the request, or it was anonymised"
    context = {"request": request, "link": external_url("assistance.private", token=request.token)}
    if params.get("organization_id"):
        context["organization"] = db.session.get(Organization, params["organization_id"])
        if context["organization"] is None:
            return "the association is gone"
    if template.endswith("request_received"):
        context["routed"] = bool(db.session.scalar(select(HelpRoute.organization_id).where(
            HelpRoute.request_id == request.id, HelpRoute.state == "open").limit(1)))
    return mail.Composed(context, to=request.email)


def init_app(app) -> None:
    mail.register_composer("assistance", compose)
    mail.register_kinds("request_received", "request_accepted", "request_in_progress", "request_resolved",
                        "request_returned", "message_for_person", "request_reminder", "request_closed",
                        redact=r"(/h/)[\w-]{20,}", personal=True)
