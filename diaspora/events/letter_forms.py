"""The forms of invitation letters: the organizers' settings (letterhead and signatory in Russian and English,
travel information in each content language) and the participant's request for a letter."""
from datetime import date
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, Field, StringField, TextAreaField

from diaspora.content_forms import Translated
from diaspora.forms import ChoiceField, Form, MaxLength, Required, options, strip
from diaspora.models.event_letters import LETTER_LANGUAGES

# the letter's own texts: (label, max length, several lines), one field per letter language: `<name>_<lang>`
LETTER_FIELDS: dict[str, tuple] = {
    "organization_name": (_l("Organization's name"), 200, False),
    "organization_address": (_l("Address"), 300, False),
    "organization_contacts": (_l("Phone, email, website (one line)"), 300, False),
    "signatory_name": (_l("Signed by: name"), 200, False),
    "signatory_title": (_l("Signed by: position"), 200, False),
    "extra_paragraph": (_l("An extra paragraph (optional)"), 2000, True),
}


def _letter_fields() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for name, (label, max_length, multiline) in LETTER_FIELDS.items():
        for lang in LETTER_LANGUAGES:
            kind = TextAreaField if multiline else StringField
            fields[f"{name}_{lang}"] = kind(label, filters=[] if multiline else [strip],
                                            validators=[MaxLength(max_length)], render_kw={"lang": lang})
    return fields


class _LettersForm(Form):
    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "travel_directions": Translated(_l("How to get to the venue"), 10000, multiline=True),
        "travel_hotels": Translated(_l("Hotels"), 10000, multiline=True),
        "travel_transfer": Translated(_l("Airport transfer"), 10000, multiline=True)}
    offered = BooleanField(_l("Confirmed participants can download an invitation letter for their visa"))


# built with content_forms.translated_form, which adds the travel texts in each content language
LettersForm = type("LettersForm", (_LettersForm,), {"__module__": __name__, **_letter_fields()})


class BirthDateField(DateField):
    """A date of birth (YYYY-MM-DD from the date picker), with the message in the reader's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter your date of birth, e.g. 1990-05-31.")) from None
        if self.data is not None and not date(1900, 1, 1) <= self.data <= date.today():
            self.data = None
            raise ValueError(_l("Enter your date of birth, e.g. 1990-05-31."))


LETTER_LANGUAGE_CHOICES = (("ru", _l("Russian")), ("en", _l("English")))


class LetterRequestForm(Form):
    """What a visa letter names. Checked again by events.letters.check_details; nothing of it is stored."""

    language = ChoiceField(_l("Language of the letter"), choices=options(LETTER_LANGUAGE_CHOICES),
                           validators=[Required()])
    name_latin = StringField(_l("Full name in Latin letters, exactly as in your passport"), filters=[strip],
                             validators=[Required(), MaxLength(100)],
                             render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                        "lang": "en"})
    passport_number = StringField(_l("Passport number"), filters=[strip], validators=[Required(), MaxLength(20)],
                                  render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                             "spellcheck": "false"})
    birth_date = BirthDateField(_l("Date of birth"))  # no Required: it would replace the message of a typo
    citizenship = ChoiceField(_l("Citizenship"), validators=[Required()])
