from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model, db

if TYPE_CHECKING:
    from diaspora.models.user import User

STATUSES = ("pending", "published", "rejected")
# an entry nobody confirmed (or changed) for 18 months is shown as possibly outdated
OUTDATED_AFTER = timedelta(days=548)
CONTACT_FIELDS = ("email", "phone", "website", "telegram", "whatsapp", "instagram", "facebook", "vk")

organization_categories = Table(
    "organization_categories",
    db.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(Model):
    """A service an association offers. The slug is part of the public API and never changes."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")  # {language code: name}
    position: Mapped[int] = mapped_column(Integer, default=100)

    def label(self, locale: str | None = None) -> str:
        return self.name.get(locale)


class Organization(Model):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'published', 'rejected')", name="status"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        # Near search: equality on status, then a range on latitude, longitude read from the index.
        Index("ix_organizations_status_geo", "status", "latitude", "longitude"),
        Index("ix_organizations_status_sort", "status", "sort_key"),
        # the directory map's data version: max(updated_at), read from the index (diaspora.directory.map_cache)
        Index("ix_organizations_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # manual (typed or clicked), address (geocoded), city (city centre), none
    location_source: Mapped[str] = mapped_column(String(10), default="none")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    telegram: Mapped[str | None] = mapped_column(String(64))
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    instagram: Mapped[str | None] = mapped_column(String(64))
    facebook: Mapped[str | None] = mapped_column(String(100))
    vk: Mapped[str | None] = mapped_column(String(64))
    year_founded: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Derived columns, rewritten by the service on every change (see diaspora.text).
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_key: Mapped[str] = mapped_column(String(300), default="")
    # folded name|country|folded city: how an import recognises a row it has seen before
    dedupe_key: Mapped[str] = mapped_column(String(340), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when its people last said the entry is correct: the yearly reminder's link, or saving it (registering counts)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the last yearly reminder, so that no round reminds twice in a year
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    categories: Mapped[list[Category]] = relationship(
        secondary=organization_categories, order_by=Category.position, lazy="selectin"
    )
    language_rows: Mapped[list["OrganizationLanguage"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrganizationLanguage.code"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) when both are known."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    @property
    def possibly_outdated(self) -> bool:
        return self.confirmed_at is not None and self.confirmed_at < utcnow() - OUTDATED_AFTER

    @property
    def category_slugs(self) -> list[str]:
        return [c.slug for c in self.categories]


class OrganizationLanguage(Model):
    __tablename__ = "organization_languages"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class Membership(Model):
    """Who acts for an association: its owner (who registered it), co-admins and volunteers the owner added."""

    __tablename__ = "memberships"
    # volunteers publish offers of help and take requests; admins also edit the entry; the owner manages people
    __table_args__ = (CheckConstraint("role IN ('owner', 'admin', 'volunteer')", name="role"),)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(10), default="admin")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()


class OrganizationRevision(Model):
    """The history of an association: every change, who made it and when (read by site admins)."""

    __tablename__ = "organization_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    # {field: [old, new]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User | None"] = relationship()


class OrganizationEdit(Model):
    """Changes an association's owner or co-admins made to its published entry, waiting for a site admin.

    The association's own columns keep the published version until the edit is approved, so its page,
    the map, the list, search, the API and exports show only what a moderator accepted. A table of its
    own rather than a JSON column on organizations: it keeps who sent what and who decided, lets the
    database allow one waiting edit per association, and stays apart from the content columns."""

    __tablename__ = "organization_edits"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'replaced', 'withdrawn')", name="status"),
        # one edit waits per association: sending another replaces it
        Index("uq_organization_edits_pending", "organization_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {field: proposed value}: only what differed from the published entry when it was sent; a new place
    # was geocoded then (latitude, longitude, location_source), never at approval
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    note: Mapped[str | None] = mapped_column(Text)  # the moderator's, when rejected; the owner reads it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])


class OrganizationReport(Model):
    """Somebody says an entry is outdated or wrong; site admins act on it."""

    __tablename__ = "organization_reports"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
        Index("ix_organization_reports_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # outdated | wrong | closed | other
    message: Mapped[str] = mapped_column(Text, default="")
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    resolved_by: Mapped["User | None"] = relationship(foreign_keys=[resolved_by_id])
