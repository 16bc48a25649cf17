"""Pieces the event pages share: building the registration form for one event, reading it back,
formatting times in the event's own time zone."""
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Field, StringField

from diaspora.events import zones
from diaspora.events.answers import RegistrationData
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.events.forms import RegistrationForm
from diaspora.extensions import db
from diaspora.forms import ChoiceField, MultiCheckboxField, options, strip
from diaspora.i18n import COMMON_COUNTRIES, country_choices, country_name
from diaspora.models import Event, Organization, Registration
from diaspora.text import fold, like_prefix


def local(event: Event, moment, fmt: str = "medium", locale: str = "ky") -> str:
    """A moment in the event's time zone, as people there read it: "15 июн. 2026 г., 09:30".

    "full" and "medium" give the date in that length with hours and minutes (Babel's own datetime formats
    add seconds and the zone, which the pages show once, separately); "time" the hours and minutes alone, on
    the locale's clock (15:30 in Kyrgyz and Russian, 3:30 PM in English); other values are Babel formats."""
    if moment is None:
        return ""
    zone = ZoneInfo(event.timezone)
    if fmt == "time":
        return format_time(moment.astimezone(zone), "short", tzinfo=zone, locale=locale)
    if fmt in ("full", "medium"):
        here = moment.astimezone(zone)
        return f"{format_date(here, fmt, locale=locale)}, {format_time(here, 'short', tzinfo=zone, locale=locale)}"
    return format_datetime(moment, fmt, tzinfo=zone, locale=locale)


def zone_label(event: Event, locale: str) -> str:
    """"Бишкек, Кыргызстан (UTC+6)": the offset the day the event starts."""
    return zones.label(event.timezone, locale, event.starts_at)


def place_parts(event: Event) -> list[str]:
    """Where the event is, only what is known: venue, street address, city (and the country after them);
    nothing at all for an event with none of these (an online one), never ", Бишкек"."""
    parts = [text for text in (event.venue_name.get(), event.venue_address.get(), event.city) if text]
    if parts and event.country:
        parts.append(country_name(event.country))
    return parts


def registration_form(event: Event, locale: str, organizations, registration: Registration | None = None,
                      formdata=None):
    """The form for this event: the fixed fields plus its sessions and the organizer's questions."""

    class Form(RegistrationForm):
        pass

    if organizations is None:  # too many to list: the name is typed (resolved by organization_by_name)
        Form.organization_id = StringField(_l("Your association (optional)"), filters=[strip])

    if event.sessions:
        Form.sessions = MultiCheckboxField(_l("Sessions you will attend"), coerce=int)
    for question in event.questions:
        label = question.label()  # the reader's content language (locale is the interface's)
        field: Field
        if question.kind == "text":
            field = StringField(label)
        elif question.kind == "yesno":
            field = ChoiceField(label, choices=options([("", "—"), ("yes", _("Yes")), ("no", _("No"))]))
        else:
            field = ChoiceField(label, choices=options([("", "—"), *enumerate(question.option_labels())]))
        setattr(Form, f"q_{question.id}", field)
    kwargs = {} if formdata is None else {"formdata": formdata}
    form = Form(**kwargs)
    form.country.choices = (options([("", _("Choose a country"))])
                            + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                            + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))
    form.home_region.choices = options([("", "—")] + [(k, v) for k, v in HOME_REGIONS.items()])
    form.sector.choices = options([("", "—")] + [(k, v) for k, v in SECTORS.items()])
    if isinstance(form.organization_id, ChoiceField):  # organizations were given: a list to choose from
        form.organization_id.choices = options(
            [("", "—")] + [(org.id, f"{org.name} ({org.city})") for org in organizations])
    if event.sessions:
        form.sessions.choices = options((s.id, session_label(event, s, locale)) for s in event.sessions)
    if registration is not None and formdata is None:
        _fill(form, event, registration)
    return form


def session_label(event: Event, session, locale: str) -> str:
    when = local(event, session.starts_at, "short", locale)
    room = f", {session.room.get()}" if session.room else ""
    return f"{session.title()} — {when}{room}"


def _fill(form, event: Event, registration: Registration) -> None:
    for name in ("full_name", "email", "phone", "country", "city", "home_region", "sector", "public_listing"):
        getattr(form, name).data = getattr(registration, name)
    if isinstance(form.organization_id, ChoiceField):
        form.organization_id.data = str(registration.organization_id or "")
    elif registration.organization is not None:
        form.organization_id.data = f"{registration.organization.name} ({registration.organization.city})"
    form.consent.data = True
    if event.sessions:
        form.sessions.data = registration.session_ids
    for question in event.questions:
        value = (registration.answers or {}).get(str(question.id))
        if question.kind == "yesno" and value is not None:
            value = "yes" if value else "no"
        getattr(form, f"q_{question.id}").data = "" if value is None else str(value)


def data_from(form, event: Event, locale: str) -> RegistrationData:
    answers = {}
    for question in event.questions:
        value = getattr(form, f"q_{question.id}").data
        answers[str(question.id)] = value if value not in ("", None) else None
    return RegistrationData(
        full_name=form.full_name.data or "", email=form.email.data or "", phone=form.phone.data,
        country=form.country.data or "", city=form.city.data or "", home_region=form.home_region.data or None,
        organization_id=_organization_id(form.organization_id), sector=form.sector.data or None,
        sessions=(form.sessions.data or []) if event.sessions else [], answers=answers,
        consent=bool(form.consent.data), language=locale,
        public_listing=form.public_listing is not None and bool(form.public_listing.data),
    )


def _organization_id(field):
    """The chosen association's id: from the list, or found by the name typed ("Name" or "Name (City)").
    A name that matches none or several is passed on as it is, and refused with a message by clean()."""
    if isinstance(field, ChoiceField) or not field.data:
        return field.data or None
    typed = field.data.strip()
    name, city = typed, None
    if typed.endswith(")") and "(" in typed:
        name, _, city = typed[:-1].rpartition("(")
        name, city = name.strip(), city.strip()
    query = select(Organization.id, Organization.city).where(
        Organization.status == "published",
        Organization.dedupe_key.like(like_prefix(fold(name)) + "|%", escape="\\"))
    matches = [row for row in db.session.execute(query) if city is None or fold(row.city) == fold(city)]
    return matches[0].id if len(matches) == 1 else typed


def show_errors(form, errors: dict[str, list[str]]) -> None:
    """Put the service's {field: [message, ...]} next to the form's fields."""
    for name, messages in errors.items():
        field_name = f"q_{name.split('.', 1)[1]}" if name.startswith("answers.") else name
        field = getattr(form, field_name, None)
        if field is None:
            field = form.full_name
        field.errors = [*(field.errors if isinstance(field.errors, list) else []), *messages]
