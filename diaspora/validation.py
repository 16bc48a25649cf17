"""Validation in one place: the rules for text and the one error that carries messages per field.

Whatever way text comes in (a form, the API, a CSV import, the CLI), it meets the same rules with the same
messages in the reader's language (the API and the import report speak English):
- Unicode NFC: "й" typed as и + a combining breve is stored, searched and counted as the one letter;
- control characters refused: no person types them; PostgreSQL cannot store U+0000, and ESC, BEL or the C1
  codes only hide things in pages, exports, mail and terminals. Multi-line text (a description, a message)
  keeps tab and line breaks; single-line text (a name, a title, a city) allows none, since it goes into mail
  subjects, CSV cells, calendar lines and headers;
- spaces: single-line text is folded to single spaces, multi-line text stripped at both ends;
- required, and lengths counted in characters after all of the above.
diaspora.forms, diaspora.api.schemas and the services' clean() functions build on these functions.
"""
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

from flask_babel import gettext as _

from diaspora.errors import ServiceError

# Whitespace that a keyboard or a paste puts in multi-line text; every other control character (C0, DEL, C1)
# is refused there. U+2028/U+2029 (line and paragraph separators) are not control characters but whitespace:
# they are kept in multi-line text and fold into a space wherever single-line text is normalised.
TEXT_WHITESPACE = "\t\n\r"
SINGLE_LINE = ""


class ValidationError(ServiceError):
    """Input that breaks rules, with messages per field: {"email": ["Enter a valid email address."]}. The first
    field's first message is the headline (`message`, `field`), so a caller that shows one error still can."""

    status = 422

    def __init__(self, errors: Mapping[str, str | Iterable[str]]):
        self.errors: dict[str, list[str]] = {
            name: [str(messages)] if isinstance(messages, str) else [str(m) for m in messages]
            for name, messages in errors.items()}
        first = next(iter(self.errors))
        super().__init__(self.errors[first][0], first)

    def first_messages(self) -> dict[str, str]:
        """{field: its first message}: the API's `fields`."""
        return {name: messages[0] for name, messages in self.errors.items()}

    def details(self) -> dict:
        return {"fields": self.first_messages()}


class FieldError(ValueError):
    """One field's problem, found by clean_text; Errors files it under the field's name."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the rules ----------------------------------------------------------------------------------------

def normalize(value: str) -> str:
    return unicodedata.normalize("NFC", value)


@functools.cache
def _control_characters(allowed: str) -> re.Pattern[str]:
    # Unicode's category Cc is exactly C0, DEL and C1; a regular expression finds one in C, not per character
    # in Python (this runs on every field of every request).
    refused = (chr(code) for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in allowed)
    return re.compile("[" + "".join(re.escape(ch) for ch in refused) + "]")


def control_character(value: str | None, allowed: str = TEXT_WHITESPACE) -> str | None:
    """The first control character in `value` that is not in `allowed`, or None."""
    found = _control_characters(allowed).search(value or "")
    return found.group() if found else None


def allowed_whitespace(multiline: bool) -> str:
    return TEXT_WHITESPACE if multiline else SINGLE_LINE


def without_control_characters(value: str, allowed: str = TEXT_WHITESPACE) -> str:
    return _control_characters(allowed).sub("", value)


def code_point(ch: str) -> str:
    """How a character is named in messages: U+001B."""
    return f"U+{ord(ch):04X}"


def control_character_message(ch: str) -> str:
    if ch in TEXT_WHITESPACE:  # found in a single-line field
        return _("Must be one line: contains a tab or a line break (%(code)s).", code=code_point(ch))
    return _("Contains an invisible control character (%(code)s), which is not allowed.", code=code_point(ch))


def required_message() -> str:
    return _("This field is required.")


def length_message(max_length: int) -> str:
    return _("At most %(max)d characters.", max=max_length)


def text_problem(value: str, multiline: bool = False) -> str | None:
    """What is wrong with the characters of `value` (not its length), or None."""
    ch = control_character(value, allowed_whitespace(multiline))
    return control_character_message(ch) if ch else None


def clean_text(value: object, max_length: int | None = None, required: bool = False,
               multiline: bool = False) -> str | None:
    """The text as it is stored (None for nothing), or FieldError saying why not."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(_("Must be text."))
    value = normalize(value)
    problem = text_problem(value, multiline)
    if problem:
        raise FieldError(problem)
    value = value.strip() if multiline else " ".join(value.split())
    if required and not value:
        raise FieldError(required_message())
    if max_length is not None and len(value) > max_length:
        raise FieldError(length_message(max_length))
    return value or None


# --- collecting the problems of a whole input -----------------------------------------------------------

class Errors:
    """The problems found while cleaning an input, per field, raised together (ValidationError or a subclass):

        errors = Errors()
        name = errors.text("name", data.name, 120, required=True)
        ...
        errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.messages

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(self, name: str, message: str) -> None:
        self.messages.setdefault(name, []).append(str(message))

    def setdefault(self, name: str, message: str) -> None:
        """A message for the field, unless it already has one."""
        if name not in self.messages:
            self.add(name, message)

    def text(self, name: str, value: object, max_length: int | None = None, required: bool = False,
             multiline: bool = False) -> str | None:
        try:
            return clean_text(value, max_length, required=required, multiline=multiline)
        except FieldError as error:
            self.add(name, error.message)
            return None

    def raise_if_any(self, error_class: type[ValidationError] = ValidationError) -> None:
        if self.messages:
            raise error_class(self.messages)


def refuse_control_characters(fields: Mapping[str, object], multiline: tuple[str, ...] = ()) -> None:
    """The services' check of text that their callers (form, API, CLI, import) already cleaned or not:
    ValidationError naming every field that has a control character.

    `fields` maps a field name to its text; a dict value ({"ky": ..., "ru": ...}) is checked per language as
    `<name>_<lang>`, the forms' naming (title_ky). Fields are single-line unless named in `multiline`."""
    errors = Errors()
    for name, value in fields.items():
        values = value.items() if isinstance(value, dict) else [(None, value)]
        for lang, text in values:
            problem = text_problem(text, name in multiline) if isinstance(text, str) else None
            if problem:
                errors.add(f"{name}_{lang}" if lang else name, problem)
    errors.raise_if_any()


def normalize_strings(value):
    """NFC for every string in a JSON-like value (an API body), keys included."""
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, list):
        return [normalize_strings(item) for item in value]
    if isinstance(value, dict):
        return {normalize_strings(key): normalize_strings(item) for key, item in value.items()}
    return value
