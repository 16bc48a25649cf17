from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.crypto import EncryptedText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

if TYPE_CHECKING:
    from diaspora.models.organization import Organization

# The interface languages (the mail catalogs): the language a registration's mail goes out in.
LANGS = ("ky", "ru", "en")
# Registrations that hold a place: counted against the event's and each session's capacity.
HOLDING = ("confirmed", "pending")


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint("ends_at >= starts_at", name="dates"),
        Index("ix_events_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # translatable fields: {language code: text} (diaspora/content_i18n.py)
    title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    description: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Bishkek")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    venue_address: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    online_url: Mapped[str | None] = mapped_column(String(300))
    reply_to: Mapped[str | None] = mapped_column(String(254))  # the organizers' address, on mail to participants
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Bumped by every change to registrations: the UPDATE is the lock that serialises them (see
    # diaspora/events/locking.py), and waitlist_seq hands out waitlist places under it.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Registrations holding a place (confirmed, pending) and waiting, kept by every change under the lock
    # (and recounted from the rows by every change other than a new registration), so that registering
    # decides in the one statement that takes the lock; last_registration_waitlisted is that decision,
    # read back by the same statement.
    places_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_registration_waitlisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # The organizer's last "send reminders now" (which leaves Registration.reminded_at, the scheduled one, alone).
    reminders_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The scheduled reminder goes out this many days before the start; None: no scheduled reminder.
    reminder_days_before: Mapped[int | None] = mapped_column(Integer, default=2, server_default="2")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sessions: Mapped[list["EventSession"]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(EventSession.starts_at, EventSession.position, EventSession.id)")
    questions: Mapped[list["EventQuestion"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="(EventQuestion.position, EventQuestion.id)")
    organization: Mapped["Organization | None"] = relationship()

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def position(self) -> tuple[float, float] | None:
        """(latitude, longitude) when both are known."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


class EventSession(Model):
    """A part of the programme ("Investment and business", "Labour migration and rights" ...)."""

    __tablename__ = "event_sessions"
    __table_args__ = (CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    description: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    capacity: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # the door of this session checks tickets too (the check-in page offers it besides the entrance)
    checkin_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    event: Mapped[Event] = relationship(back_populates="sessions")
    speaker_links: Mapped[list["SessionSpeaker"]] = relationship(
        cascade="all, delete-orphan", order_by="(SessionSpeaker.position, SessionSpeaker.speaker_id)")

    @property
    def speakers(self) -> list["Speaker"]:
        return [link.speaker for link in self.speaker_links]

    def overlaps(self, other) -> bool:
        """Both run at some moment (one ending as the other starts does not count)."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


class Speaker(Model):
    """Someone on the programme: shown under each session they speak at. The photo is kept in the
    database (at most 400 px, re-encoded), served by its own route with caching headers."""

    __tablename__ = "event_speakers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    organisation: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    photo_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in the URL: caches
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionSpeaker(Model):
    __tablename__ = "event_session_speakers"

    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("event_speakers.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    speaker: Mapped[Speaker] = relationship(lazy="joined")


class EventQuestion(Model):
    """The organizer's own question: free text, a choice among options, or yes/no."""

    __tablename__ = "event_questions"
    __table_args__ = (CheckConstraint("kind IN ('text', 'choice', 'yesno')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="text")
    label: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    # for "choice": [{"ky": ..., "kk": ...}, ...], one text per option; an answer is the option's index
    options: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="questions")

    def option_texts(self) -> list[I18nText]:
        return [I18nText(option) for option in self.options or []]

    def option_labels(self, locale: str | None = None) -> list[str]:
        return [option.get(locale) for option in self.option_texts()]


class Registration(Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One registration per email and event, whatever arrives at the same moment.
        UniqueConstraint("event_id", "email", name="uq_registrations_event_email"),
        # A waitlist place is handed out once (NULLs, for everyone not waiting, do not collide).
        UniqueConstraint("event_id", "waitlist_seq", name="uq_registrations_event_waitlist"),
        UniqueConstraint("event_id", "code", name="uq_registrations_event_code"),
        CheckConstraint("status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled')", name="status"),
        CheckConstraint("status <> 'waitlisted' OR waitlist_seq IS NOT NULL", name="waitlist"),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # The private link's secret (https://…/r/<token>), and the short code typed or scanned at the door.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    # None for a delegation's member registered without an address (the (event_id, email) constraint lets
    # NULLs coexist on SQLite and PostgreSQL alike): no mail goes to them, the delegation's head has the link.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120))
    home_region: Mapped[str | None] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    sector: Mapped[str | None] = mapped_column(String(30))
    project_title: Mapped[str | None] = mapped_column(String(200))
    project_text: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_listing: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2), default="ky")
    # folded name, email, city and code, for the organizer's search (see diaspora.text.fold)
    search_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # moved up from the waitlist
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the scheduled reminder only
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Registered by a delegation's head among its members (an ordinary registration otherwise).
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id", ondelete="SET NULL"), index=True)

    event: Mapped[Event] = relationship()
    organization: Mapped["Organization | None"] = relationship()
    # selectin: a page of the organizer's list or an export names each row's delegation in one more query
    delegation: Mapped["Delegation | None"] = relationship(back_populates="members", lazy="selectin")
    session_links: Mapped[list["RegistrationSession"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def session_ids(self) -> list[int]:
        return sorted(link.session_id for link in self.session_links)

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING


class Delegation(Model):
    """Several people registered at once by their head (a region's business delegation). The head is reached
    by mail and manages the members from the private page /d/<token>; the head is a participant only when
    listed among the members, each of whom is an ordinary Registration of the event."""

    __tablename__ = "delegations"
    __table_args__ = (CheckConstraint("language IN ('ky', 'ru', 'en')", name="language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the head's private link: /d/<token>
    name: Mapped[str | None] = mapped_column(String(200))  # "Osh region business delegation"
    head_name: Mapped[str] = mapped_column(String(200))
    # the head's contacts, encrypted at rest (diaspora.crypto); never looked up by (the token finds the head)
    head_email: Mapped[str] = mapped_column(EncryptedText)
    head_phone: Mapped[str | None] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(String(2), default="ky")  # of the head's mail and page
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    members: Mapped[list[Registration]] = relationship(back_populates="delegation", order_by="Registration.id")

    @property
    def label(self) -> str:
        """How the organizer's pages name it: its name, else its head's."""
        return self.name or self.head_name


class RegistrationSession(Model):
    """A session a participant chose: "seated" (a seat, counted while the registration holds a place) or
    "waiting" for one, in the order of waiting_seq (handed out under the event's lock, once per session;
    None while the registration itself waits for a place in the event). See events.session_seats."""

    __tablename__ = "registration_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('seated', 'waiting')", name="status"),
        UniqueConstraint("session_id", "waiting_seq", name="uq_registration_sessions_waiting"),
    )

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("event_sessions.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    status: Mapped[str] = mapped_column(String(10), default="seated", server_default="seated")
    waiting_seq: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
