from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model
from diaspora.models.event import Event, EventSession, Registration

if TYPE_CHECKING:
    from diaspora.models.user import User

PROJECT_STAGES = ("idea", "plan", "started", "operating")
PROJECT_STATUSES = ("submitted", "accepted", "declined", "withdrawn")
CURRENCIES = ("USD", "KGS", "RUB", "EUR")


class Project(Model):
    """A participant's project proposal for an event, reviewed by the event's reviewers and decided by its
    organizers. Title and summary are plain text in the author's language; the author's contacts stay on
    the registration (only organizers see them)."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'declined', 'withdrawn')", name="status"),
        CheckConstraint("stage IN ('idea', 'plan', 'started', 'operating')", name="stage"),
        CheckConstraint("currency IN ('USD', 'KGS', 'RUB', 'EUR')", name="currency"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        Index("ix_projects_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"),
                                                        index=True)
    title: Mapped[str] = mapped_column(String(200))
    home_region: Mapped[str | None] = mapped_column(String(20))  # events.choices.HOME_REGIONS
    district: Mapped[str | None] = mapped_column(String(120))
    sector: Mapped[str | None] = mapped_column(String(30))  # events.choices.SECTORS
    amount: Mapped[int | None] = mapped_column(BigInteger)  # sought, whole units of `currency`
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    stage: Mapped[str] = mapped_column(String(10), default="idea", server_default="idea")
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the author agrees that interested investors and partners get their contact through the organizers
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # listed on the event's page once accepted
    public_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    status: Mapped[str] = mapped_column(String(10), default="submitted", server_default="submitted")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("event_sessions.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration | None] = relationship()
    session: Mapped[EventSession | None] = relationship()
    decided_by: Mapped["User | None"] = relationship()
    reviews: Mapped[list["ProjectReview"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectReview.updated_at")

    @property
    def is_public(self) -> bool:
        return self.status == "accepted" and self.public_consent


class ProjectReview(Model):
    """One reviewer's score (1 to 5) and comment on a project; one each, changed in place."""

    __tablename__ = "project_reviews"
    __table_args__ = (
        UniqueConstraint("project_id", "reviewer_id", name="uq_project_reviews_reviewer"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="reviews")
    reviewer: Mapped["User"] = relationship()
