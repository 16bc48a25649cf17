from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model
from diaspora.models.event import Event

if TYPE_CHECKING:
    from diaspora.models.user import User

TEAM_ROLES = ("organizer", "registrations", "checkin", "reviewer")
NOTIFY_CHOICES = ("immediately", "daily", "off")


class EventTeamMember(Model):
    """Someone who helps run one event, with one role (see diaspora.events.permissions). Added by email: the
    row exists from the invitation on, with user_id empty until the invited address follows its link (only a
    hash of the link's secret is kept, and the link works once, before expires_at)."""

    __tablename__ = "event_team_members"
    __table_args__ = (
        CheckConstraint("role IN ('organizer', 'registrations', 'checkin', 'reviewer')", name="role"),
        CheckConstraint("notify IN ('immediately', 'daily', 'off')", name="notify"),
        UniqueConstraint("event_id", "user_id", name="uq_event_team_user"),
        UniqueConstraint("event_id", "email", name="uq_event_team_email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    role: Mapped[str] = mapped_column(String(15))
    notify: Mapped[str] = mapped_column(String(12), default="daily", server_default="daily")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the open invitation (sha256 of the link's secret, hex); cleared once taken
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # registrations created up to this moment have been told to this member (the notification job's mark)
    notified_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])
