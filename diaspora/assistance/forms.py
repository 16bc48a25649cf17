from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from diaspora.content_forms import Translated
from diaspora.forms import (
    ChoiceField,
    Form,
    LocalDateField,
    LocalizedIntegerField,
    MaxLength,
    MultiCheckboxField,
    Required,
    in_range,
    options,
    strip,
)

URGENCY_CHOICES = (("today", _l("Today: it is urgent")), ("week", _l("This week")), ("any", _l("Whenever you can")))
FLAG_CHOICES = (("fraud", _l("A fraud or a trap")), ("wrong", _l("False or outdated")),
                ("offensive", _l("Offensive")), ("other", _l("Something else")))


class RequestForm(Form):
    """Rendering and CSRF only: every rule is in assistance.requests.clean, which the API uses too."""

    category = ChoiceField(_l("What do you need help with?"))
    country = ChoiceField(_l("Country you are in"))
    city = StringField(_l("City"), filters=[strip])
    language = ChoiceField(_l("Language you speak"))
    urgency = RadioField(_l("How urgent is it?"), choices=options(URGENCY_CHOICES), default="week")
    description = TextAreaField(_l("What happened?"))
    name = StringField(_l("Your name (optional)"), filters=[strip], render_kw={"autocomplete": "off"})
    phone = StringField(_l("Phone"), filters=[strip], render_kw={"type": "tel", "autocomplete": "off"})
    telegram = StringField("Telegram", filters=[strip], render_kw={"autocomplete": "off"})
    whatsapp = StringField("WhatsApp", filters=[strip], render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("Email"), filters=[strip], render_kw={"type": "email", "autocomplete": "off"})
    consent = BooleanField(_l("I agree that my request is passed to the associations that can help, and that "
                              "only the one that accepts it sees how to reach me"))


class MessageForm(Form):
    body = TextAreaField(_l("Message"), validators=[Required(), MaxLength(5000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Why? (the others will see it, the person will not)"),
                           validators=[Required(), MaxLength(2000)])


class OptionalReasonForm(Form):
    reason = TextAreaField(_l("Why? (optional)"), validators=[Optional(), MaxLength(2000)])


class OfferForm(Form):
    organization_id = ChoiceField(_l("Association"), validators=[Required()])
    category = ChoiceField(_l("Kind of help"), validators=[Required()])
    # title_ky, title_kk ...: one per content language (content_forms.translated_form)
    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "title": Translated(_l("Title"), 200), "description": Translated(_l("Description"), 5000, multiline=True)}
    scope = RadioField(_l("Where"), default="city", choices=options((
        ("city", _l("In a city and around it")), ("country", _l("Anywhere in a country")),
        ("remote", _l("Remotely: by phone or online")))))
    country = ChoiceField(_l("Country"))
    city = StringField(_l("City"), filters=[strip], validators=[MaxLength(120)])
    radius_km = LocalizedIntegerField(_l("Around the city, km"), default=50, validators=[Optional(), in_range(0, 2000)])
    languages = MultiCheckboxField(_l("Languages"))
    capacity = LocalizedIntegerField(_l("How many people at once"), validators=[Optional(), in_range(0, 100000)])
    is_free = BooleanField(_l("Free of charge"), default=True)
    price = StringField(_l("Price, when not free"), filters=[strip], validators=[MaxLength(200)])
    valid_until = LocalDateField(_l("Valid until (optional)"), validators=[Optional()])
    employer = StringField(_l("Employer (a job offer)"), filters=[strip], validators=[MaxLength(200)])
    wage = StringField(_l("Wage (a job offer)"), filters=[strip], validators=[MaxLength(100)])
    written_contract = ChoiceField(_l("Written contract (a job offer)"), default="", choices=options((
        ("", "—"), ("yes", _l("Yes, a written contract")), ("no", _l("No written contract")))))


class FlagForm(Form):
    reason = ChoiceField(_l("What is wrong?"), choices=options(FLAG_CHOICES), validators=[Required()])
    message = TextAreaField(_l("Details (optional)"), validators=[Optional(), MaxLength(2000)])


class HideForm(Form):
    reason = TextAreaField(_l("Reason, shown to the association"), validators=[Optional(), MaxLength(2000)])


class FindRequestForm(Form):
    """The way back to a request without its link."""

    reference = StringField(_l("Reference of your request"), filters=[strip], validators=[Required(), MaxLength(20)],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                       "placeholder": "ABCD-EF23"})
    pin = StringField(_l("PIN"), filters=[strip], validators=[Required(), MaxLength(20)],
                      render_kw={"autocomplete": "off", "inputmode": "numeric"})


class RouteByHandForm(Form):
    organization_id = ChoiceField(_l("Association"), validators=[Required()])
