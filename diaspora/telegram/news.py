"""What goes to a linked chat (a request's or a registration's news, an alert subscription's digests): queued
in the outbox's "telegram" channel with the link's id only, written when the worker sends it
(diaspora.mail.queue_later_on), in the person's language, as plain text with the private link. The chat's id
is read from the link then; a link stopped or removed since makes the message void, and nothing of it stays
in the outbox once sent."""
from collections.abc import Callable

from flask_babel import gettext as _

from diaspora import mail
from diaspora.alerts.digest import digest_items
from diaspora.extensions import db
from diaspora.i18n import country_name, current_locale
from diaspora.models import AlertSubscription, HelpMessage, HelpRequest, Organization, Registration, TelegramLink
from diaspora.telegram import links
from diaspora.telegram.links import Target
from diaspora.urls import external_url

TEMPLATE = "telegram/telegram_news"
LOCALES = ("ky", "ru", "en")
# What the person is told in the chat about their request (signals.help_request_news' `news`).
REQUEST_NEWS = {"request_accepted", "request_in_progress", "request_resolved", "request_returned",
                "request_reminder", "request_closed", "message_for_person"}
# A registration's change (signals.registration_changed) -> the status it must still have when sent.
REGISTRATION_NEWS = {"confirmed": {"confirmed"}, "rejected": {"rejected"}, "promoted": {"confirmed", "pending"}}


MAX_LENGTH = 4096  # a Telegram message, in UTF-16 code units


def locale_of(target: Target) -> str:
    language = target.locale if isinstance(target, AlertSubscription) else target.language
    return language if language in LOCALES else "ru"


def tell(link: TelegramLink, target: Target, news: str, **params) -> None:
    """Queue a message for the chat (see the module docstring)."""
    mail.queue_later_on("telegram", "", TEMPLATE, locale_of(target), link_id=link.id, news=news, **params)


def tell_all(target: Target, news: str, **params) -> None:
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


def on_alert_digest(subscription: AlertSubscription, items: dict[str, list[int]], **details) -> None:
    """signals.alert_digest_queued: the same items to each chat linked to the subscription."""
    tell_all(subscription, "alert_digest", items=items)


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


def _registration_text(registration: Registration, news: str, params: dict) -> str | None:
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


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def area_name(subscription: AlertSubscription) -> str:
    if subscription.country:
        return country_name(subscription.country)
    return _("%(place)s and %(radius)s km around", place=subscription.place, radius=subscription.radius_km)


def _digest_text(subscription: AlertSubscription, items: dict) -> str | None:
    """The digest's items still public, by topic, as whole lines until the message is full."""
    sections = digest_items(items, current_locale())
    if not sections:
        return None
    headings = {"organizations": _("New associations"), "events": _("New events"), "offers": _("New offers of help")}
    head = _("New in your area: %(area)s", area=area_name(subscription))
    foot = _("Send /stop to stop these messages in Telegram; to end the subscription: %(link)s",
             link=external_url("alerts.unsubscribe", token=subscription.token))
    lines: list[str] = []
    room = MAX_LENGTH - _utf16(head) - _utf16(foot) - 4 - 2  # the blank lines around the body, and a "…"
    for topic, entries in sections:
        for line in ["", headings[topic], *(f"{title} — {link}" for title, link in entries)]:
            room -= _utf16(line) + 1
            if room < 0:
                return "\n".join([head, *lines, "…", "", foot])
            lines.append(line)
    return "\n".join([head, *lines, "", foot])


def _alert_text(subscription: AlertSubscription, news: str, params: dict) -> str | None:
    if subscription.confirmed_at is None:
        return None
    if news == "alert_digest":
        return _digest_text(subscription, params.get("items") or {})
    if news == "linked":
        text = _("This chat now gets your alerts for %(area)s. Send /stop to stop.", area=area_name(subscription))
    elif news == "not_read":
        text = _("Messages written here are not read. To change or end your subscription, use its page.")
    else:
        return None
    page = external_url("alerts.confirm", token=subscription.token)
    return "\n\n".join([text, _("Your subscription's page (Telegram, unsubscribing):") + "\n" + page])


# what a chat can be linked to -> its words
TEXTS: dict[type, Callable[..., str | None]] = {HelpRequest: _request_text, Registration: _registration_text,
                                                 AlertSubscription: _alert_text}


def compose(template: str, params: dict, message=None) -> mail.Composed | str:
    """diaspora.mail's composer for telegram/*: the text and the chat, or why the message is void."""
    link = db.session.get(TelegramLink, params.get("link_id") or 0)
    if link is None or not link.active:
        return "the chat was unlinked"
    target = links.target_of(link)
    if target is None or getattr(target, "anonymised_at", None) is not None:
        return "what the chat was linked to was deleted"
    news = str(params.get("news") or "")
    text = TEXTS[type(target)](target, news, params)
    if text is None:
        return f"outdated: {news}"
    return mail.Composed({"text": text, "news": news}, template=TEMPLATE, to=link.chat_id)
