from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.crypto import EncryptedText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model
from diaspora.models.organization import Organization

if TYPE_CHECKING:
    from diaspora.models.user import User


class OrganizationMember(Model):
    """A compatriot who belongs to an association (or asked to). Kept apart from Membership, which says who
    acts for the association (owner, admins, volunteers) and which the help requests, guides and events read
    as "staff": a plain member gains none of that. A volunteer or an admin the members' page made from a
    member keeps this row too (their consent and mail choices)."""

    __tablename__ = "organization_members"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'member', 'declined')", name="status"),
        UniqueConstraint("organization_id", "user_id", name="uq_organization_members_person"),
        Index("ix_organization_members_org_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="requested")
    # the request's note to the admins: a person's story may be in it, so it is encrypted like a help request's
    message: Mapped[str | None] = mapped_column(EncryptedText)
    # consent to the association's admins exporting the name and address with the member list
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    news_by_mail: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    user: Mapped["User"] = relationship(foreign_keys=[user_id])


class OrganizationNews(Model):
    """A post by an association's admins that only its members read (and get by mail if they chose to)."""

    __tablename__ = "organization_news"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User | None"] = relationship()
