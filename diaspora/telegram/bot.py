"""The Bot API (https://core.telegram.org/bots/api), called only from the worker and the CLI: never from a
web request. TELEGRAM_API_URL is the server (Telegram's, or a fake one in the tests).

Answers are sorted as the outbox wants them: the server unreachable, a 5xx or a 429 (too many requests)
is Unavailable (every message would fail alike; they wait); a 403 (the person blocked the bot) is Gone;
any other refusal is Refused (that message backs off)."""
from contextlib import contextmanager

import requests
from flask import current_app

from diaspora.mail.letter import Gone, Letter, Refused, Unavailable


class BotError(Exception):
    """The Bot API said no, or could not be reached (for the CLI)."""


def configured() -> bool:
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN"))


def _url(method: str) -> str:
    config = current_app.config
    return f"{config['TELEGRAM_API_URL']}/bot{config['TELEGRAM_BOT_TOKEN']}/{method}"


def call(method: str, payload: dict, session: requests.Session | None = None) -> dict:
    """One Bot API method; its `result`. Raises Unavailable, Gone or Refused (see the module docstring)."""
    timeout = float(current_app.config["TELEGRAM_TIMEOUT"])
    try:
        response = (session or requests).post(_url(method), json=payload, timeout=timeout)
    except requests.RequestException as error:
        # the token is part of the URL: never let it reach a log or the outbox
        raise Unavailable(f"{type(error).__name__} calling {method}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    description = str(answer.get("description") or response.reason or "")[:300] if isinstance(answer, dict) else ""
    if response.status_code == 429 or response.status_code >= 500:
        raise Unavailable(f"{response.status_code} {description}")
    if response.status_code == 403:
        raise Gone(f"403 {description}")
    if not isinstance(answer, dict) or response.status_code != 200 or not answer.get("ok"):
        raise Refused(f"{response.status_code} {description}")
    return answer


def fit(text: str, limit: int = 4096) -> str:
    """At most `limit` UTF-16 code units, as Telegram counts a message (an emoji is two): a longer text would be
    refused every time it is tried. A pair cut in half is dropped."""
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * limit:
        return text
    return encoded[:2 * limit].decode("utf-16-le", errors="ignore")


class TelegramSender:
    """Sends the outbox's "telegram" messages with sendMessage: plain text (no parse mode, so nothing in
    it is markup), the chat's id given by the composer as the recipient."""

    name = "telegram"
    channel = "telegram"

    def configured(self) -> bool:
        return configured()

    @contextmanager
    def session(self):
        with requests.Session() as http:
            def send(letter: Letter) -> None:
                call("sendMessage", {"chat_id": letter.to, "text": fit(letter.body),
                                     "link_preview_options": {"is_disabled": True}}, http)
            yield send

    def gone(self, letter: Letter) -> None:
        """The person blocked the bot: every link of the chat stops (flushes; the outbox commits)."""
        from diaspora.telegram import links

        links.stop_chat(letter.to)


def set_webhook(url: str, secret: str) -> dict:
    """Ask Telegram to send updates (messages only) to `url`, with `secret` in a header. Raises BotError."""
    try:
        return call("setWebhook", {"url": url, "secret_token": secret, "allowed_updates": ["message"]})
    except (Unavailable, Refused) as error:
        raise BotError(str(error)) from None
