"""Linking a chat to a request for help, a registration or an alert subscription: one-time codes for the deep
link, the links, unlinking. Services: they flush, the caller commits."""
import hashlib
import secrets
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import delete, or_, select, update

from diaspora.crypto import keyed_hashes
from diaspora.database import rows_matched, utcnow
from diaspora.extensions import db
from diaspora.models import AlertSubscription, HelpRequest, Registration, TelegramLink, TelegramLinkCode

CODE_LIFETIME = timedelta(hours=24)
Target = HelpRequest | Registration | AlertSubscription
# what a link or a code can name -> its column there (exactly one is set)
COLUMNS: dict[type[Target], str] = {HelpRequest: "help_request_id", Registration: "registration_id",
                                    AlertSubscription: "alert_subscription_id"}


def configured() -> bool:
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN") and current_app.config.get("TELEGRAM_BOT_USERNAME"))


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _target_columns(target: Target) -> dict:
    return {name: target.id if isinstance(target, model) else None for model, name in COLUMNS.items()}


def _of(model, target: Target):
    return getattr(model, COLUMNS[type(target)]) == target.id


def target_of(link: TelegramLink) -> Target | None:
    """What the link (or code) names; None if it is gone."""
    for model, name in COLUMNS.items():
        if getattr(link, name) is not None:
            return cast(Target | None, db.session.get(model, getattr(link, name)))
    return None


def new_code(target: Target) -> str:
    """A fresh deep-link code for `target` (32 characters of A-Za-z0-9_-, Telegram's `start` alphabet);
    only its hash is kept. Expired codes (anybody's) and the target's used ones go at the same time."""
    now = utcnow()
    db.session.execute(delete(TelegramLinkCode).where(or_(
        TelegramLinkCode.expires_at < now, _of(TelegramLinkCode, target) & TelegramLinkCode.used_at.isnot(None))))
    code = secrets.token_urlsafe(24)
    db.session.add(TelegramLinkCode(code_hash=_hash(code), created_at=now, expires_at=now + CODE_LIFETIME,
                                    **_target_columns(target)))
    db.session.flush()
    return code


def deep_link(code: str) -> str:
    return f"https://t.me/{current_app.config['TELEGRAM_BOT_USERNAME']}?start={code}"


def active_links(target: Target) -> list[TelegramLink]:
    return list(db.session.scalars(select(TelegramLink).where(
        _of(TelegramLink, target), TelegramLink.stopped_at.is_(None)).order_by(TelegramLink.id)))


def chat_links(chat_id: str) -> list[TelegramLink]:
    """The chat's links that are on, newest first."""
    return list(db.session.scalars(select(TelegramLink).where(
        TelegramLink.chat_hash.in_(keyed_hashes(chat_id)), TelegramLink.stopped_at.is_(None))
        .order_by(TelegramLink.id.desc())))


def redeem(code: str, chat_id: str) -> TelegramLink | None:
    """Link the chat to what the code names; None when the code is unknown, used or expired. The UPDATE
    marks it used only once, so a code sent twice at the same moment links once."""
    if not code or len(code) > 64:
        return None
    now = utcnow()
    row = db.session.scalar(select(TelegramLinkCode).where(TelegramLinkCode.code_hash == _hash(code)))
    if row is None or not rows_matched(update(TelegramLinkCode).where(
            TelegramLinkCode.id == row.id, TelegramLinkCode.used_at.is_(None), TelegramLinkCode.expires_at >= now)
            .values(used_at=now)):
        return None
    columns = {name: getattr(row, name) for name in COLUMNS.values()}
    for link in chat_links(chat_id):  # linked already: once is enough
        if all(getattr(link, name) == value for name, value in columns.items()):
            return link
    link = TelegramLink(chat_id=chat_id, chat_hash=keyed_hashes(chat_id)[0], created_at=now, **columns)
    db.session.add(link)
    db.session.flush()
    return link


def _stop(links) -> int:
    now = utcnow()
    for link in links:
        link.stopped_at, link.chat_id, link.chat_hash = now, None, None  # the chat's id is forgotten
    db.session.flush()
    return len(links)


def stop_chat(chat_id: str) -> int:
    """/stop, or the person blocked the bot: every link of the chat. Returns how many."""
    return _stop(chat_links(chat_id))


def stop_target(target: Target) -> int:
    """The private page's "Unlink Telegram": every chat linked to it. (An alert subscription's links and codes
    go with it when it is deleted: the database cascades.)"""
    return _stop(active_links(target))


def forget_request(request_id: int) -> None:
    """signals.help_request_forgotten: the request's links and codes go."""
    db.session.execute(delete(TelegramLink).where(TelegramLink.help_request_id == request_id))
    db.session.execute(delete(TelegramLinkCode).where(TelegramLinkCode.help_request_id == request_id))


def forget_registration(registration_id: int) -> None:
    """A cancelled registration: its chats and codes go. The row may come back for whoever registers the same
    address next, with a new link and code, and must not reach the old holder's chat."""
    db.session.execute(delete(TelegramLink).where(TelegramLink.registration_id == registration_id))
    db.session.execute(delete(TelegramLinkCode).where(TelegramLinkCode.registration_id == registration_id))
