from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model
from diaspora.models.organization import Organization

if TYPE_CHECKING:
    from diaspora.models.user import User


class Invitation(Model):
    """An invitation mailed to an address to take a role in an association. The account with that address
    takes the role by following its link while logged in, once, before it expires: so the owner who typed the
    address never learns whether it has an account. Only a hash of the link's secret is stored."""

    __tablename__ = "invitations"
    __table_args__ = (
        # admins and volunteers act for the association (Membership); members belong to it (OrganizationMember)
        CheckConstraint("role IN ('admin', 'volunteer', 'member')", name="role"),
        CheckConstraint("status IN ('pending', 'accepted', 'revoked', 'replaced')", name="status"),
        # one open invitation per address and association: inviting again replaces it
        Index("uq_invitations_pending", "organization_id", "email", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased, as typed by the owner
    role: Mapped[str] = mapped_column(String(10))
    # sha256 of the secret in the link (hex): a copy of the database does not hold working links
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # accepted, revoked or replaced

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped["User | None"] = relationship(foreign_keys=[invited_by_id])
