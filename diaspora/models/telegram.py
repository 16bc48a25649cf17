"""Telegram: chats that get news of a request for help, of a registration or the digests of an alert
subscription, and the one-time codes of the deep links that make them. A chat's id is personal data:
encrypted, found by a keyed hash, gone with what it was linked to."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.crypto import EncryptedText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

# exactly one of the three is set
_ONE_TARGET = ("(CASE WHEN help_request_id IS NULL THEN 0 ELSE 1 END + CASE WHEN registration_id IS NULL THEN 0 "
               "ELSE 1 END + CASE WHEN alert_subscription_id IS NULL THEN 0 ELSE 1 END) = 1")


class TelegramLinkCode(Model):
    """The `start` payload of a deep link (t.me/<bot>?start=<code>): random, kept only as its SHA-256, used
    once, short-lived. It names what the chat will be linked to and nothing about the person."""

    __tablename__ = "telegram_link_codes"
    __table_args__ = (CheckConstraint(_ONE_TARGET, name="one_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"),
                                                        index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                        index=True)
    alert_subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TelegramLink(Model):
    """A chat that gets the news of one request, one registration or one alert subscription. Stopped (by /stop,
    the page's button, or the person blocking the bot): the chat's id is forgotten, the row stays until its
    target goes."""

    __tablename__ = "telegram_links"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        Index("ix_telegram_links_chat", "chat_hash", "stopped_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"),
                                                        index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"),
                                                        index=True)
    alert_subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[str | None] = mapped_column(EncryptedText)
    chat_hash: Mapped[str | None] = mapped_column(String(64))  # diaspora.crypto.keyed_hashes(chat_id)[0]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.stopped_at is None and self.chat_id is not None
