"""Alerts: people with no account who asked to be told, by a daily digest, what appears near a place or in a
country. The address is personal data: encrypted, found by a keyed hash, gone when they unsubscribe."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.crypto import EncryptedText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

TOPICS = ("organizations", "events", "offers")


class AlertSubscription(Model):
    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        # the same address and area twice is one subscription (its filters are replaced)
        UniqueConstraint("email_hash", "area_key", name="uq_alert_subscriptions_email_area"),
        CheckConstraint("(country IS NULL) <> (latitude IS NULL)", name="one_area"),
        CheckConstraint("locale IN ('ky', 'ru', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)  # crypto.keyed_hashes, the first key's
    area_key: Mapped[str] = mapped_column(String(80))  # "country:RU" or "near:<lat>,<lng>,<radius>"
    country: Mapped[str | None] = mapped_column(String(2))
    place: Mapped[str] = mapped_column(String(200), default="")  # the city as found, for the mail
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[int | None] = mapped_column(Integer)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    categories: Mapped[list] = mapped_column(JSON, default=list)  # slugs; empty: any
    languages: Mapped[list] = mapped_column(JSON, default=list)  # the services' languages; empty: any
    locale: Mapped[str] = mapped_column(String(2), default="ru")  # the digest's language
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the confirm and unsubscribe links' secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertSent(Model):
    """What a subscriber was told about: never twice, whoever runs send-alerts and however often."""

    __tablename__ = "alert_sent"
    __table_args__ = (
        UniqueConstraint("subscription_id", "topic", "item_id", name="uq_alert_sent_item"),
        CheckConstraint("topic IN ('organizations', 'events', 'offers')", name="topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscriptions.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventPublication(Model):
    """When an event was published (events keep no such date): written on signals.event_published."""

    __tablename__ = "event_publications"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
