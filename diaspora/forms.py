"""The base form, fields and validators shared by every feature, with messages in the reader's language
(WTForms ships no Kyrgyz catalogue, so every message here is our own)."""
import decimal
import re
from typing import cast

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; stubs are 3.2
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from diaspora.validation import (
    TEXT_WHITESPACE,
    allowed_whitespace,
    code_point,
    control_character,
    length_message,
    normalize,
    without_control_characters,
)
from diaspora.weburl import InvalidURL, clean_web_url


class Form(FlaskForm):
    """Every form of the site, on diaspora.validation's rules for text: its text fields are taken in Unicode
    NFC and refuse control characters, each with a message next to the field: a text area allows tab and line
    breaks, single-line fields (text, hidden, email, search ...) none, since names and titles go into mail
    subjects, CSV and calendar lines. The text is shown again without them (a tab or line break in a single
    line as a space), so nothing visible is lost and sending again works."""

    def validate(self, extra_validators=None):
        found = {}
        for field in self:
            if isinstance(field, StringField) and isinstance(field.data, str):
                if not isinstance(field, PasswordField):  # a password is compared as it was typed at sign-up
                    field.data = normalize(field.data)
                allowed = allowed_whitespace(isinstance(field, TextAreaField))
                ch = control_character(field.data, allowed)
                if ch:
                    found[field.name] = ch
                    text = field.data if allowed else re.sub(f"[{TEXT_WHITESPACE}]+", " ", field.data)
                    field.data = without_control_characters(text, allowed)
        valid = super().validate(extra_validators)
        for name, ch in found.items():
            self[name].errors.insert(0, _l("This field takes one line: a tab or line break (%(code)s) was replaced "
                                           "by a space. Check it and send it again.", code=code_point(ch))
                                     if ch in TEXT_WHITESPACE else
                                     _l("An invisible control character (%(code)s) was removed from this "
                                        "text: check it and send it again.", code=code_point(ch)))
        return valid and not found


class Required(DataRequired):
    def __init__(self, message=None):
        super().__init__(message or _l("This field is required."))


class MaxLength(Length):
    """At most `max` characters, counted as the services count them (diaspora.validation.clean_text): after
    spaces are folded in a single line, or stripped around several."""

    def __init__(self, max: int):
        super().__init__(max=max)

    def __call__(self, form, field):
        data = field.data if isinstance(field.data, str) else ""
        cleaned = data.strip() if isinstance(field, TextAreaField) else " ".join(data.split())
        if len(cleaned) > self.max:
            raise ValidationError(length_message(self.max))


class LocalizedDecimalField(DecimalField):
    """Accepts "42,87" as well as "42.87" (a comma is the decimal mark in ky/ru); rejects NaN and Infinity."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = decimal.Decimal(valuelist[0].replace(",", ".").strip())
        except (decimal.InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(_l("Enter a number."))
        self.data = value


class LocalDateField(DateField):
    """A date (YYYY-MM-DD from the browser's date picker), with the message in the reader's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date, e.g. 2026-12-31.")) from None
        if self.data is not None and not 2000 <= self.data.year <= 2100:
            self.data = None
            raise ValueError(_l("Enter a date, e.g. 2026-12-31."))


class LocalizedIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip() == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except (ValueError, IndexError):
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None


def _known_values(field) -> set[str]:
    return {str(choice.value) for choice in field.iter_choices()}


class _LocalizedMultiple(SelectMultipleField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(_l("Choose from the list.")) from None


class MultiCheckboxField(_LocalizedMultiple):
    """Several choices as checkboxes (templates: _macros.checkboxes, or _macros.chooser for long lists such as
    languages): a phone has no Ctrl-click, and a <select multiple> hides what is chosen."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        if self.data and any(str(value) not in _known_values(self) for value in self.data):
            raise StopValidation(_l("Choose from the list."))


class ChoiceField(SelectField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Choose from the list.")) from None

    def pre_validate(self, form):
        if self.data not in (None, "") and str(self.data) not in _known_values(self):
            raise StopValidation(_l("Choose from the list."))


def web_url(form, field):
    """Validator: an http(s) address (see diaspora.weburl); the field's data becomes the cleaned address."""
    try:
        field.data = clean_web_url(field.data)
    except InvalidURL as error:
        raise ValidationError(str(error.message)) from None


def options(pairs, group=None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options, optionally inside an <optgroup>."""
    # Lazy labels (lazy_gettext at import time) stay lazy: they are put in the reader's language when rendered.
    return [SelectChoice(str(value), label if isinstance(label, LazyString) else str(label),
                         optgroup=group if isinstance(group, LazyString) or not group else str(group))
            for value, label in pairs]


def add_error(field, message) -> None:
    """A message next to a field, for what a service refused once the form had validated."""
    cast(list, field.errors).append(message)  # a list once validated; the stubs type it as any Sequence


def strip(value):
    """Filter: surrounding spaces (a phone keyboard adds one after an autocompleted email) are not input."""
    return value.strip() if isinstance(value, str) else value


def in_range(minimum, maximum):
    return NumberRange(min=minimum, max=maximum, message=_l("Enter a number from %(min)s to %(max)s."))


__all__ = [
    "ChoiceField",
    "Form",
    "LocalDateField",
    "LocalizedDecimalField",
    "LocalizedIntegerField",
    "MaxLength",
    "MultiCheckboxField",
    "Optional",
    "Required",
    "add_error",
    "in_range",
    "options",
    "strip",
    "web_url",
]
