"""What goes to a linked chat: queued in the outbox's "telegram" channel with the link's id only, written
when the worker sends it (diaspora.mail.queue_later_on), in the person's language, as plain text with the
private link. The chat's id is read from the link then; a link stopped or removed since makes the message
void, and nothing of it stays in the outbox once sent."""
from flask_babel import gettext as _

from diaspora import mail
from diaspora.extensions import db
from diaspora.models import HelpMessage, HelpRequest, Organization, Registration, TelegramLink
from diaspora.telegram import links
from diaspora.urls import external_url

TEMPLATE = "telegram/telegram_news"
LOCALES = ("ky", "ru", "en")
# What the person is told in the chat about their request (signals.help_request_news' `news`).
REQUEST_NEWS = {"request_accepted", "request_in_progress", "request_resolved", "request_returned",
                "request_reminder", "request_closed", "message_for_person"}
# A registration's change (signals.registration_changed) -> the status it must still have when sent.
REGISTRATION_NEWS = {"confirmed": {"confirmed"}, "rejected": {"rejected"}, "promoted": {"confirmed", "pending"}}


def locale_of(target: HelpRequest | Registration) -> str:
    return target.language if target.language in LOCALES else "ru"


def tell(link: TelegramLink, target: HelpRequest | Registration, news: str, **params) -> None:
    """Queue a message for the chat (see the module docstring)."""
    mail.queue_later_on("telegram", "", TEMPLATE, locale_of(target), link_id=link.id, news=news, **params)


def tell_all(target: HelpRequest | Registration, news: str, **params) -> None:
    if not links.configured():  # off: not even a query
        return
    for link in links.active_links(target):
        tell(link, target, news, **params)


def on_request_news(request: HelpRequest, news: str, **params) -> None:
    """signals.help_request_news."""
    if news in REQUEST_NEWS:
        tell_all(request, news, **{k: v for k, v in params.items() if k in ("organization_id", "message_id")})


def on_registration_changed(registration: Registration, change: str, **details) -> None:
    """signals.registration_changed."""
    if change in REGISTRATION_NEWS:
        tell_all(registration, change)
    elif change == "cancelled":
        links.forget_registration(registration.id)


def on_request_forgotten(request_id: int, **details) -> None:
    """signals.help_request_forgotten."""
    links.forget_request(request_id)


# --- the words, when sent ------------------------------------------------------------------------------

def _request_text(request: HelpRequest, news: str, params: dict) -> str | None:
    reference = request.reference
    organization = db.session.get(Organization, params["organization_id"]) if params.get("organization_id") else None
    if organization is None:
        organization = request.accepted_org
    name = organization.name if organization is not None else _("The association")
    if news == "linked":
        text = _("This chat now gets the news of your request %(reference)s. Write here to answer the "
                 "association helping you; send /stop to stop.", reference=reference)
    elif news == "request_accepted":
        text = _("“%(organization)s” accepted your request %(reference)s and will contact you.",
                 organization=name, reference=reference)
    elif news == "request_in_progress":
        text = _("“%(organization)s” started working on your request %(reference)s.", organization=name,
                 reference=reference)
    elif news == "request_resolved":
        text = _("Your request %(reference)s is marked as solved. We are glad it worked out.", reference=reference)
    elif news == "request_returned":
        text = _("The association could not go on with your request %(reference)s: it goes to other associations "
                 "again.", reference=reference)
    elif news == "request_reminder":
        text = _("Nothing has happened with your request %(reference)s for a while. Do you still need help? "
                 "Say so on its page.", reference=reference)
    elif news == "request_closed":
        text = _("Your request %(reference)s was closed after a long time without news.", reference=reference)
    elif news == "message_for_person":
        message = db.session.get(HelpMessage, params.get("message_id") or 0)
        if message is None or not message.body:
            return None
        text = "\n\n".join([_("“%(organization)s” wrote about your request %(reference)s:",
                              organization=name, reference=reference),
                            message.body, _("Answer here, in this chat, or on your request's page.")])
    elif news == "not_passed_on":
        text = _("Your request %(reference)s is closed, so your message was not passed on.", reference=reference)
    elif news == "not_text":
        text = _("Only text messages are passed on to the association.")
    else:
        return None
    page = external_url("assistance.private", token=request.token)
    return "\n\n".join([text, _("Your request's page:") + "\n" + page])


def _registration_text(registration: Registration, news: str) -> str | None:
    if news in REGISTRATION_NEWS and registration.status not in REGISTRATION_NEWS[news]:
        return None  # no longer true
    title = registration.event.title()
    page = external_url("events.private", token=registration.token)
    if news == "linked":
        text = _("This chat now gets the news of your registration for %(title)s. Send /stop to stop.", title=title)
    elif news == "confirmed":
        text = _("Your registration for %(title)s is confirmed. Your check-in code: %(code)s.",
                 title=title, code=registration.code)
    elif news == "rejected":
        text = _("The organizers did not accept your registration for %(title)s. Their note: %(reason)s",
                 title=title, reason=registration.rejection_reason or "")
    elif news == "promoted" and registration.status == "pending":
        text = _("A place freed up in %(title)s and you moved up from the waitlist. The organizers confirm each "
                 "registration; we will write to you once they have.", title=title)
    elif news == "promoted":
        text = _("A place freed up in %(title)s and it is yours now. Your check-in code: %(code)s.",
                 title=title, code=registration.code)
    elif news == "not_read":
        text = _("Messages written here are not read. To change or cancel your registration, use its page.")
    else:
        return None
    if registration.status == "confirmed":
        text += "\n\n" + _("Your ticket:") + "\n" + external_url("events.ticket", token=registration.token)
    return "\n\n".join([text, _("Your registration's page (ticket, changes, cancelling):") + "\n" + page])


def compose(template: str, params: dict, message=None) -> mail.Composed | str:
    """diaspora.mail's composer for telegram/*: the text and the chat, or why the message is void."""
    link = db.session.get(TelegramLink, params.get("link_id") or 0)
    if link is None or not link.active:
        return "the chat was unlinked"
    news = str(params.get("news") or "")
    text: str | None
    if link.help_request_id is not None:
        request = db.session.get(HelpRequest, link.help_request_id)
        if request is None or request.anonymised_at is not None:
            return "the request was deleted"
        text = _request_text(request, news, params)
    else:
        registration = db.session.get(Registration, link.registration_id)
        if registration is None:
            return "the registration no longer exists"
        text = _registration_text(registration, news)
    if text is None:
        return f"outdated: {news}"
    return mail.Composed({"text": text, "news": news}, template=TEMPLATE, to=link.chat_id)
