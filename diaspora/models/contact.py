"""Emergency and official contacts: national emergency numbers, embassies, consulates, migration offices,
hotlines, legal clinics and shelters, per country and city; and reports of a wrong number."""
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

if TYPE_CHECKING:
    from diaspora.models.user import User

# The order a country's page lists them in: what to call first, first.
CONTACT_KINDS = ("emergency", "embassy", "consulate", "migration_office", "hotline", "legal_clinic", "shelter",
                 "other")
CONTACT_STATUSES = ("pending", "published", "hidden")
REPORT_PROBLEMS = ("wrong_number", "no_answer", "closed", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Contact(Model):
    """An institution's contact (public, not personal data). A change an association proposes to a published
    one is a pending row of its own that `replaces` it, so the published entry stays as it is until a
    moderator accepts the change."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTACT_KINDS), name="kind"),
        CheckConstraint(_in("status", CONTACT_STATUSES), name="status"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        Index("ix_contacts_status_country", "status", "country"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))  # None: a national entry
    phone: Mapped[str | None] = mapped_column(String(40))
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    telegram: Mapped[str | None] = mapped_column(String(64))  # the account's name, without @
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 639-1 codes spoken
    status: Mapped[str] = mapped_column(String(10), default="pending")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by_name: Mapped[str | None] = mapped_column(String(120))  # shown: kept if the account goes
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")  # diaspora.text.search_text of names, city, address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    replaces: Mapped["Contact | None"] = relationship(remote_side=[id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])

    @property
    def is_national(self) -> bool:
        return not self.city

    @property
    def position(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


class ContactReport(Model):
    """Somebody says a contact is wrong (no account needed, nothing about them is kept)."""

    __tablename__ = "contact_reports"
    __table_args__ = (
        CheckConstraint(_in("problem", REPORT_PROBLEMS), name="problem"),
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
        Index("ix_contact_reports_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()
