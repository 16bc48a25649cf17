"""Guides on rights and risks: articles per destination country and topic, written by associations' admins,
reviewed and published by site moderators, every saved change kept as a version."""
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

if TYPE_CHECKING:
    from diaspora.models.organization import Organization
    from diaspora.models.user import User

TOPICS = ("documents_work_permit", "registration", "contracts_wages", "police_detention", "health", "housing",
          "money_home", "returning_home", "other")
GUIDE_STATUSES = ("draft", "in_review", "published", "archived")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Guide(Model):
    """A guide. Its title, summary and body are the text readers see once it is published (before that, the
    draft being written). A change to a published guide by an association's admin waits as a version
    (`pending_version`) while these columns keep the published text; a moderator's approval copies it here."""

    __tablename__ = "guides"
    __table_args__ = (
        CheckConstraint(_in("topic", TOPICS), name="topic"),
        CheckConstraint(_in("status", GUIDE_STATUSES), name="status"),
        Index("ix_guides_status_country_topic", "status", "country", "topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    topic: Mapped[str] = mapped_column(String(30))
    title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    summary: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    body: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")  # Markdown per language
    status: Mapped[str] = mapped_column(String(10), default="draft")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"),
                                                        index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_name: Mapped[str] = mapped_column(String(120), default="")  # as shown, kept if the account goes
    review_note: Mapped[str | None] = mapped_column(Text)  # why a moderator sent it back
    # the version a moderator must look at (a change to a published guide), and the one readers see
    pending_version: Mapped[int | None] = mapped_column(Integer)
    published_version: Mapped[int | None] = mapped_column(Integer)
    # the reviewed_on date a "review due" reminder was queued for: one reminder per review
    reminded_for: Mapped[date | None] = mapped_column(Date)
    search_text: Mapped[str] = mapped_column(Text, default="")  # diaspora.text.fold of every language's text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped["Organization | None"] = relationship()
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped["User | None"] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class GuideVersion(Model):
    """A saved change: the whole text as it was saved, who saved it, when and why."""

    __tablename__ = "guide_versions"
    __table_args__ = (UniqueConstraint("guide_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    summary: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    body: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(254), default="")  # kept if the account goes
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User | None"] = relationship()
