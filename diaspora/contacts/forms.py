"""Forms of the contacts' pages. The rules themselves are the service's (services.clean): the form only
shapes the input and keeps what was typed when the service refuses it."""
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from diaspora.content_forms import Translated
from diaspora.forms import (
    ChoiceField,
    Form,
    LocalizedDecimalField,
    MaxLength,
    MultiCheckboxField,
    Required,
    in_range,
)


def kind_labels() -> dict:
    return {
        "emergency": _l("Emergency number"),
        "embassy": _l("Embassy"),
        "consulate": _l("Consulate"),
        "migration_office": _l("Migration office"),
        "hotline": _l("Hotline"),
        "legal_clinic": _l("Legal clinic"),
        "shelter": _l("Shelter"),
        "other": _l("Other"),
    }


def problem_labels() -> dict:
    return {
        "wrong_number": _l("The number is wrong"),
        "no_answer": _l("Nobody answers"),
        "closed": _l("It is closed or has moved"),
        "other": _l("Something else"),
    }


def field_labels() -> dict:
    """What the moderators' table of a proposed change calls each field."""
    return {"kind": _l("Kind"), "name": _l("Name"), "country": _l("Country"), "city": _l("City"),
            "phone": _l("Phone"), "whatsapp": "WhatsApp", "telegram": "Telegram", "address": _l("Street address"),
            "latitude": _l("Latitude"), "longitude": _l("Longitude"), "hours": _l("Opening hours"),
            "languages": _l("Languages spoken")}


class ContactForm(Form):
    TRANSLATED: ClassVar[dict[str, Translated]] = {"name": Translated(_l("Name"), 200)}
    kind = ChoiceField(_l("Kind"), validators=[Required()])
    country = ChoiceField(_l("Country"), validators=[Required()])
    city = StringField(_l("City (empty for a national number)"), validators=[Optional(), MaxLength(120)])
    phone = StringField(_l("Phone"), validators=[Optional(), MaxLength(40)])
    whatsapp = StringField("WhatsApp", validators=[Optional(), MaxLength(40)])
    telegram = StringField("Telegram", validators=[Optional(), MaxLength(100)])
    address = StringField(_l("Street address"), validators=[Optional(), MaxLength(300)])
    latitude = LocalizedDecimalField(_l("Latitude"), places=None, validators=[Optional(), in_range(-90, 90)])
    longitude = LocalizedDecimalField(_l("Longitude"), places=None, validators=[Optional(), in_range(-180, 180)])
    hours = StringField(_l("Opening hours"), validators=[Optional(), MaxLength(300)])
    languages = MultiCheckboxField(_l("Languages spoken"))
    organization = ChoiceField(_l("On behalf of"), validators=[Optional()])


class ReportForm(Form):
    problem = ChoiceField(_l("What is wrong?"), validators=[Required()])
    message = TextAreaField(_l("Details (optional)"), validators=[Optional(), MaxLength(2000)])
