from datetime import datetime

from sqlalchemy import Boolean, ForeignKey
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.content_i18n import I18nJSON, I18nText
from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model

# The languages an invitation letter is written in (consulates read Russian or English).
LETTER_LANGUAGES = ("ru", "en")


class EventLetters(Model):
    """An event's invitation letters (letterhead, signatory, an extra paragraph: {"ru": …, "en": …}) and its
    travel information (Markdown in each content language). One row per event, made on the first save; a
    letter's personal details (passport, birth date) are never stored: they only go into the PDF."""

    __tablename__ = "event_letters"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    offered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    organization_name: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    organization_address: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    organization_contacts: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    signatory_name: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    signatory_title: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    extra_paragraph: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    travel_directions: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    travel_hotels: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    travel_transfer: Mapped[I18nText] = mapped_column(I18nJSON, default=I18nText, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def has_travel(self) -> bool:
        return bool(self.travel_directions or self.travel_hotels or self.travel_transfer)
