"""Mutual help: associations' offers, migrants' requests (never public), their routing to associations,
the messages about them and a log of every change."""
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.crypto import EncryptedText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

if TYPE_CHECKING:
    from diaspora.models.organization import Category, Organization
    from diaspora.models.user import User

OPEN_STATUSES = ("new", "accepted", "in_progress")
CLOSED_STATUSES = ("resolved", "withdrawn", "closed")


class HelpOffer(Model):
    """What an association offers: adaptation, legal aid, a job ... where, in which languages, for how many."""

    __tablename__ = "help_offers"
    __table_args__ = (
        CheckConstraint("scope IN ('city', 'country', 'remote')", name="scope"),
        CheckConstraint("status IN ('active', 'hidden', 'withdrawn')", name="status"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        Index("ix_help_offers_status_geo", "status", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    description: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    scope: Mapped[str] = mapped_column(String(10), default="city")  # city (with a radius) | country | remote
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    radius_km: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)  # people at once
    is_free: Mapped[bool] = mapped_column(Boolean, default=True)
    price: Mapped[str | None] = mapped_column(String(200))
    valid_until: Mapped[date | None] = mapped_column(Date)
    # a job offer
    employer: Mapped[str | None] = mapped_column(String(200))
    wage: Mapped[str | None] = mapped_column(String(100))
    written_contract: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default="active")
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship()
    category: Mapped["Category"] = relationship(lazy="joined")
    language_rows: Mapped[list["HelpOfferLanguage"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HelpOfferLanguage.code")

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) when both are known."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


class HelpOfferLanguage(Model):
    __tablename__ = "help_offer_languages"

    offer_id: Mapped[int] = mapped_column(ForeignKey("help_offers.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class OfferFlag(Model):
    """Somebody says an offer is abusive or false; site admins hide it."""

    __tablename__ = "offer_flags"
    __table_args__ = (CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("help_offers.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer: Mapped[HelpOffer] = relationship()


class HelpRequest(Model):
    """A migrant's request. Never public: routed to the associations that fit; only the one that accepts
    sees how to reach the person. Name, contacts, story and messages are encrypted at rest and removed
    after the retention period; what is left counts for the statistics."""

    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'accepted', 'in_progress', 'resolved', 'withdrawn', 'closed')",
                        name="status"),
        CheckConstraint("urgency IN ('today', 'week', 'any')", name="urgency"),
        CheckConstraint("needs_person_reason IS NULL OR needs_person_reason IN ('no_match', 'not_accepted')",
                        name="needs_person_reason"),
        Index("ix_help_requests_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)  # the city's centre, never an address
    longitude: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(2))
    urgency: Mapped[str] = mapped_column(String(5), default="any")
    description: Mapped[str | None] = mapped_column(EncryptedText)
    name: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    telegram: Mapped[str | None] = mapped_column(EncryptedText)
    whatsapp: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="new")
    accepted_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"),
                                                        index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The way back without the link: the reference and a PIN shown once, kept as a password hash; wrong
    # PINs are counted here (so the lock holds whatever the rate limiter's store) and lock the reference.
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # In the coordinators' "needs a person" queue since then: no association could take it (no_match),
    # or none accepted it within HELP_ESCALATE_HOURS (not_accepted). Cleared when routed by hand.
    needs_person_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    needs_person_reason: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped["Category"] = relationship(lazy="joined")
    accepted_org: Mapped["Organization | None"] = relationship()

    @property
    def position(self) -> tuple[float, float] | None:
        """The city's (latitude, longitude) when it was found."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class HelpRoute(Model):
    """A request shown to an association that fits it (rank 1 fits best). Declined: it said it cannot help."""

    __tablename__ = "help_routes"
    __table_args__ = (CheckConstraint("state IN ('open', 'declined')", name="state"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    rank: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(10), default="open")
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)

    organization: Mapped["Organization"] = relationship()


class HelpEvent(Model):
    """Every transition of a request, with who and when."""

    __tablename__ = "help_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    by_requester: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User | None"] = relationship()
    organization: Mapped["Organization | None"] = relationship()


class HelpMessage(Model):
    """A message between the person and the association helping, kept on the request so nobody has to
    hand out a personal number."""

    __tablename__ = "help_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), index=True)
    from_requester: Mapped[bool] = mapped_column(Boolean, default=False)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped["Organization | None"] = relationship()
