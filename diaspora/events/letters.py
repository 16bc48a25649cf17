"""Invitation letters for visas and an event's travel information.

Organizers (permission "settings") set the letterhead, the signatory and an extra paragraph in Russian and
English, whether letters are offered, and the travel information (venue directions, hotels, airport transfer,
Markdown) in each content language. A confirmed participant of an event that is not cancelled asks for a letter
with the details a visa needs (name as in the passport, passport number, birth date, citizenship): they go into
the PDF and nowhere else, not the database, the logs or the mail."""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from diaspora.content_i18n import I18nText, replaced
from diaspora.database import utcnow
from diaspora.errors import Forbidden, NotFound
from diaspora.events.letter_pdf import VisaDetails, letter_pdf
from diaspora.events.permissions import require
from diaspora.extensions import db
from diaspora.i18n import country_codes
from diaspora.models import Event, EventLetters, Registration
from diaspora.models.event_letters import LETTER_LANGUAGES
from diaspora.validation import ValidationError

__all__ = ["LETTER_LANGUAGES", "LetterSettings", "VisaDetails", "invitation_letter", "is_latin_name",
           "letter_refusal", "save", "settings_of", "travel_of"]

NAME_MAX, PASSPORT_MAX = 100, 20
_PASSPORT = re.compile(r"^[A-Z0-9][A-Z0-9 -]{3,19}$")
_NAME_MARKS = frozenset(" -'.")


@dataclass(frozen=True)
class LetterSettings:
    """The letters page's values: texts as {language: text}."""

    offered: bool
    organization_name: I18nText
    organization_address: I18nText
    organization_contacts: I18nText
    signatory_name: I18nText
    signatory_title: I18nText
    extra_paragraph: I18nText
    travel_directions: I18nText
    travel_hotels: I18nText
    travel_transfer: I18nText


LETTER_TEXTS = ("organization_name", "organization_address", "organization_contacts", "signatory_name",
                "signatory_title", "extra_paragraph")
TRAVEL_TEXTS = ("travel_directions", "travel_hotels", "travel_transfer")


def settings_of(event: Event) -> EventLetters | None:
    return db.session.get(EventLetters, event.id)


def travel_of(event: Event) -> EventLetters | None:
    """The event's travel information, when the organizers wrote any."""
    letters = settings_of(event)
    return letters if letters is not None and letters.has_travel else None


def save(user, event: Event, data: LetterSettings) -> EventLetters:
    """Save the letters page. Offering letters needs the letterhead's name and the signatory's name."""
    require(user, event, "settings")
    if data.offered:
        missing = {}
        if not data.organization_name:
            missing["organization_name_ru"] = _("Give the organization's name in Russian or English: it heads the "
                                                "letter.")
        if not data.signatory_name:
            missing["signatory_name_ru"] = _("Give the name of the person who signs the letters.")
        if missing:
            raise ValidationError(missing)
    letters = settings_of(event)
    if letters is None:
        letters = EventLetters(event_id=event.id)
        db.session.add(letters)
    letters.offered = data.offered
    for name in LETTER_TEXTS:  # Russian and English only
        setattr(letters, name, I18nText({lang: getattr(data, name)[lang] for lang in LETTER_LANGUAGES}))
    for name in TRAVEL_TEXTS:  # the content languages, keeping texts in languages no longer offered
        setattr(letters, name, replaced(getattr(letters, name), getattr(data, name)))
    letters.updated_at = utcnow()
    db.session.flush()
    return letters


def letter_refusal(registration: Registration) -> NotFound | Forbidden | None:
    """Why this participant gets no letter (an error to raise or show), or None when they may have one."""
    letters = settings_of(registration.event)
    if letters is None or not letters.offered:
        return NotFound(_("The organizers of this event do not issue invitation letters."))
    if registration.event.status == "cancelled":
        return Forbidden(_("This event was cancelled: there are no invitation letters for it."))
    if registration.event.status != "published":  # a draft has no participants yet
        return NotFound(_("The organizers of this event do not issue invitation letters."))
    if registration.status != "confirmed":
        return Forbidden(_("Invitation letters are for confirmed participants. Your registration is not "
                           "confirmed (yet): we write to you when it is."))
    return None


def is_latin_name(value: str) -> bool:
    """Letters of the Latin script (with accents, as some passports print them), spaces, hyphens, apostrophes."""
    letters = [ch for ch in value if ch not in _NAME_MARKS]
    return len(letters) >= 2 and all(unicodedata.category(ch).startswith("L")
                                     and unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def check_details(details: VisaDetails, today: date) -> VisaDetails:
    """The details cleaned (one line, upper-case passport number), or a ValidationError naming each field."""
    name = " ".join((details.name_latin or "").split())
    passport = " ".join((details.passport_number or "").upper().split())
    errors = {}
    if not name:
        errors["name_latin"] = _("This field is required.")
    elif len(name) > NAME_MAX or not is_latin_name(name):
        errors["name_latin"] = _("Write the name in Latin letters exactly as in your passport, e.g. AIBEK "
                                 "ASANOV (at most %(num)d characters).", num=NAME_MAX)
    if not _PASSPORT.match(passport):
        errors["passport_number"] = _("Enter the passport number: Latin letters and digits, 4 to %(num)d "
                                      "characters.", num=PASSPORT_MAX)
    if details.birth_date is None or not date(1900, 1, 1) <= details.birth_date < today:
        errors["birth_date"] = _("Enter your date of birth, e.g. 1990-05-31.")
    if details.citizenship not in country_codes():
        errors["citizenship"] = _("Choose from the list.")
    if errors:
        raise ValidationError(errors)
    return VisaDetails(name_latin=name, passport_number=passport, birth_date=details.birth_date,
                       citizenship=details.citizenship)


def invitation_letter(registration: Registration, details: VisaDetails, language: str) -> bytes:
    """The PDF for a confirmed participant, in Russian or English, dated today in the event's time zone."""
    refusal = letter_refusal(registration)
    if refusal is not None:
        raise refusal
    if language not in LETTER_LANGUAGES:
        raise ValidationError({"language": _("Choose from the list.")})
    event = registration.event
    today = utcnow().astimezone(ZoneInfo(event.timezone or "UTC")).date()
    details = check_details(details, today)
    letters = settings_of(event)
    assert letters is not None  # letter_refusal said so
    return letter_pdf(event, letters, details, code=registration.code, language=language, today=today)
