"""What the bot does with a message sent to it (an update from the webhook): `/start <code>` links the chat,
`/stop` unlinks it (every link of the chat), any other text from a chat linked to a request is the person's
message on it; a chat linked only to a registration or alerts is told that nobody reads it.

Replies about a link go through the outbox (queued, sent by the worker, retried). A chat that has no link
gets its answer in the webhook's response (Telegram's "reply to the webhook"): nothing about it is kept."""
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse_many

from diaspora import crypto
from diaspora.assistance import requests as help_requests
from diaspora.errors import ServiceError
from diaspora.extensions import db, limiter
from diaspora.models import HelpRequest
from diaspora.telegram import links, news


def _reply(chat_id: int, language: str, text) -> dict:
    """An answer given in the webhook's response; `text` is a function, called in the person's language."""
    with force_locale(language if language in news.LOCALES else "ru"):
        return {"method": "sendMessage", "chat_id": chat_id, "text": text()}


def _command(text: str) -> tuple[str, str]:
    """("/start", "payload") from "/start payload" or "/start@our_bot payload"; ("", "") for plain text."""
    if not text.startswith("/"):
        return "", ""
    head, _, rest = text.partition(" ")
    command, _, bot = head.partition("@")
    if bot and bot.lower() != current_app.config["TELEGRAM_BOT_USERNAME"].lower():
        return "", ""
    return command.lower(), rest.strip()


def handle(update: object) -> dict | None:
    """Act on one update; an answer for the webhook's response, or None."""
    message = update.get("message") if isinstance(update, dict) else None
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None  # groups and channels: the bot is for one person's news
    chat_number = chat.get("id")
    if not isinstance(chat_number, int) or isinstance(chat_number, bool):
        return None
    assert isinstance(message, dict)
    sender = message.get("from")
    language = str(sender.get("language_code") or "")[:2] if isinstance(sender, dict) else ""
    chat_id = str(chat_number)
    text = message.get("text") if isinstance(message.get("text"), str) else None
    command, payload = _command(text or "")
    if command == "/start":
        link = links.redeem(payload, chat_id) if payload else None
        if link is None:
            return _reply(chat_number, language, lambda: _(
                "This link has expired or was already used. Open your page on the site (your request, registration "
                "or alert subscription) and press the Telegram button again.") if payload else _(
                "Hello! Open your page on the site (your request, registration or alert subscription) and press "
                "the Telegram button to get its news here."))
        target = links.target_of(link)
        if target is not None:
            news.tell(link, target, "linked")
        return None
    if command == "/stop":
        stopped = links.stop_chat(chat_id)
        return _reply(chat_number, language, lambda: _(
            "Done: this chat no longer gets news. You can link it again from your page on the site.")
            if stopped else _("This chat gets no news; there is nothing to stop."))
    return _from_person(chat_number, chat_id, language, text)


def _too_many(chat_id: str) -> bool:
    """The web form's limit (PUBLIC_POST_RATE_LIMIT) for a chat's messages too: each one mails the association.
    Counted in the limiter's shared storage under a keyed hash, never the chat's id."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False
    chat = crypto.keyed_hashes(chat_id)[0]
    return not all(limiter.limiter.hit(item, "telegram-chat", chat)
                   for item in parse_many(current_app.config["PUBLIC_POST_RATE_LIMIT"]))


def _from_person(chat_number: int, chat_id: str, language: str, text: str | None) -> dict | None:
    """A message from the person: on the request the chat is linked to (the newest, if several)."""
    linked = links.chat_links(chat_id)
    for link in linked:
        if link.help_request_id is None:
            continue
        request = db.session.get_one(HelpRequest, link.help_request_id)
        if not text:
            news.tell(link, request, "not_text")
        elif request.anonymised_at is not None or request.status in ("withdrawn", "closed"):
            news.tell(link, request, "not_passed_on")
        elif _too_many(chat_id):
            with force_locale(news.locale_of(request)):
                return {"method": "sendMessage", "chat_id": chat_number, "text": _(
                    "Too many messages at once: wait a little, then write again.")}
        else:
            with force_locale(news.locale_of(request)):
                try:  # post_message checks the text before it writes anything
                    help_requests.post_message(request, text, by_requester=True)
                except ServiceError as error:
                    return {"method": "sendMessage", "chat_id": chat_number, "text": error.message}
        return None
    target = links.target_of(linked[0]) if linked else None
    if target is not None:  # a registration or alerts: "not read"
        news.tell(linked[0], target, "not_read")
        return None
    return _reply(chat_number, language, lambda: _(
        "This chat is not linked to anything. Open your page on the site (your request, registration or alert "
        "subscription) and press the Telegram button."))
