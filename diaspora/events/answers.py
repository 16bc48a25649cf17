"""A registration's answers, checked: everything a person (or a partner's bot) sends is normalised and
checked against the event's rules before the event is locked, and every problem is listed at once, each
with its field."""
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from diaspora.directory import contacts
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.events.registration_rules import EventRules
from diaspora.extensions import db
from diaspora.i18n import country_codes
from diaspora.models import Event, Organization
from diaspora.validation import Errors, FieldError, ValidationError, clean_text, required_message


class InvalidRegistration(ValidationError):
    """A registration with fields that break the rules."""


@dataclass
class RegistrationData:
    full_name: str = ""
    email: str = ""
    phone: str | None = None
    country: str = ""
    city: str = ""
    home_region: str | None = None
    organization_id: int | str | None = None  # as typed, before clean() finds the association: an id
    sector: str | None = None
    sessions: list[int] = field(default_factory=list)
    answers: dict = field(default_factory=dict)
    project_title: str | None = None
    project_text: str | None = None
    consent: bool = False
    public_listing: bool = False
    language: str = "ky"


def _as_id(value) -> int | None:
    """A whole number as an id or an index (JSON 3, or the form's "3"); None for anything else, such as
    true, 3.7, "3a", Infinity or a list."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**31 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        number = int(value.strip())
        return number if number < 2**31 else None
    return None


def _choice(errors: Errors, name: str, value, allowed) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in allowed:
        errors.add(name, _("Choose from the list."))
        return None
    return value


def clean_email_and_phone(errors: Errors, email, phone, prefix: str = "",
                          email_required: bool = True) -> tuple[str, str | None]:
    """A person's email (lower-cased; "" when none) and phone (normalised), problems filed under
    <prefix>email and <prefix>phone: a registration's and a delegation head's alike."""
    email_field, phone_field = f"{prefix}email", f"{prefix}phone"
    clean_email, clean_phone = "", None
    typed = errors.text(email_field, email, 254, required=email_required)
    if typed and email_field not in errors:
        try:
            clean_email = validate_email(typed, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add(email_field, _("Enter a valid email address."))
    typed_phone = errors.text(phone_field, phone, 40)
    if typed_phone and phone_field not in errors:
        try:
            clean_phone = contacts.normalize_phone(typed_phone)
        except contacts.ContactError as error:
            errors.add(phone_field, str(error.args[0]))
    return clean_email, clean_phone


def clean(event: "Event | EventRules", data: RegistrationData, email_required: bool = True) -> RegistrationData:
    """Normalise and check everything a person (or a partner's bot) sent; InvalidRegistration lists
    every problem at once, each with its field. A delegation's members may have no email (""), their head
    registers them."""
    errors = Errors()
    language = _choice(errors, "language", data.language, ("ky", "ru", "en"))
    out = RegistrationData(language=language or "ky")
    out.full_name = errors.text("full_name", data.full_name, 200, required=True) or ""
    out.email, out.phone = clean_email_and_phone(errors, data.email, data.phone, email_required=email_required)
    country = (errors.text("country", data.country, 2, required=True) or "").upper()
    if country and country not in country_codes():
        errors.add("country", _("Choose a country from the list."))
    out.country = country
    out.city = errors.text("city", data.city, 120, required=True) or ""
    out.home_region = _choice(errors, "home_region", data.home_region, HOME_REGIONS)
    out.sector = _choice(errors, "sector", data.sector, SECTORS)
    if data.organization_id not in (None, ""):
        org_id = _as_id(data.organization_id)
        org = db.session.get(Organization, org_id) if org_id else None
        if org is None or not org.is_published:
            errors.add("organization_id", _("We did not find this association in the directory. Type its name "
                                            "as it is there; if several have that name, add the city: “Name "
                                            "(City)”."))
        else:
            out.organization_id = org.id
    out.project_title = errors.text("project_title", data.project_title, 200)
    out.project_text = errors.text("project_text", data.project_text, 3000, multiline=True)
    if out.project_text and not out.project_title:
        errors.setdefault("project_title", _("Give your project a title."))
    known_sessions = {s.id for s in event.sessions}
    chosen = data.sessions if isinstance(data.sessions, (list, tuple)) else [None]
    sessions = [_as_id(s) for s in chosen or []]
    known = [s for s in sessions if s is not None and s in known_sessions]
    if len(known) != len(sessions) or len(sessions) > 100:
        errors.add("sessions", _("Choose from the list."))
        known = []
    out.sessions = sorted(set(known))
    clash = overlapping([s for s in event.sessions if s.id in out.sessions])
    if clash:
        first, second = clash
        errors.add("sessions", _("“%(first)s” and “%(second)s” run at the same time: choose one of them.",
                                 first=first.title(out.language), second=second.title(out.language)))
    out.answers = _clean_answers(event, data.answers if isinstance(data.answers, dict) else {}, errors)
    if data.consent is not True:
        errors.add("consent", _("We can only register you with your consent to the processing of your data."))
    out.consent = data.consent is True
    out.public_listing = data.public_listing is True
    errors.raise_if_any(InvalidRegistration)
    return out


def overlapping(sessions) -> tuple | None:
    """The first two of these sessions that run at the same time (one ending as the other starts does not
    count), or None."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for i, first in enumerate(ordered):
        for second in ordered[i + 1:]:
            if second.starts_at >= first.ends_at:
                break
            return first, second
    return None


def _clean_answers(event: "Event | EventRules", answers: dict, errors: Errors) -> dict:
    cleaned: dict[str, str | bool | int] = {}
    for question in event.questions:
        key = str(question.id)
        value = answers.get(key)
        field_name = f"answers.{key}"
        if question.kind == "text":
            try:  # a one-line answer
                text = clean_text(value if value != "" else None, 1000)
            except FieldError as error:
                errors.add(field_name, error.message)
            else:
                if text:
                    cleaned[key] = text
        elif question.kind == "yesno":
            if isinstance(value, str):
                value = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}.get(
                    value.strip().lower(), value)
            if isinstance(value, bool):
                cleaned[key] = value
            elif value not in (None, ""):
                errors.add(field_name, _("Answer yes or no."))
        elif value not in (None, ""):  # choice: the option's index
            index = _as_id(value)
            if index is None or index >= len(question.options or []):
                errors.add(field_name, _("Choose from the list."))
            else:
                cleaned[key] = index
        if question.required and key not in cleaned and field_name not in errors:
            errors.add(field_name, required_message())
    return cleaned
