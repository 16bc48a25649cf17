"""marshmallow schemas: they validate the API's input and generate its OpenAPI description, so the document
says what the API answers. Allowed values come from the same lists the services check against."""
import re

import marshmallow as ma
from marshmallow import validate

from diaspora.geo.distance import MAX_RADIUS_KM
from diaspora.i18n import country_codes, language_codes
from diaspora.validation import length_message, required_message, text_problem

MAX_OFFSET = 1_000_000_000
MAX_ID = 2**31 - 1

# Text as the services take it: no control characters; multi-line text (a description) may have tab and line
# breaks, single-line text (a name, a city) not even those.
_PLAIN = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_LINE = r"[^\x00-\x1f\x7f-\x9f]"
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
TEXT = f"^{_PLAIN}*$"
REQUIRED_TEXT = f"^{_PLAIN}*{_VISIBLE}{_PLAIN}*$"  # something besides spaces
LINE = f"^{_LINE}*$"
REQUIRED_LINE = f"^{_LINE}*{_VISIBLE}{_LINE}*$"
# contacts.normalize_phone: 5 to 15 digits, written with spaces, brackets, dots or dashes, in 30 characters
PHONE = r"\+?[ ().\-]*(?:[0-9][ ().\-]*){5,15}"
PHONE_LENGTH = 30
TELEGRAM_NAME = r"@?[A-Za-z][A-Za-z0-9_]{3,31}"
TELEGRAM_LINK = r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me)/[A-Za-z][A-Za-z0-9_]{3,31}/?"
PHONE_MESSAGE = "Give a phone number with the country code, e.g. +996 555 123 456."
# the help request's city: no digit before the first comma (a street or a house number is refused)
CITY = r"[^\S\x00-\x1f\x85]*[^\s\d,\x00-\x1f\x7f-\x9f][^\d,\x00-\x1f\x7f-\x9f]*(?:,[^\x00-\x1f\x7f-\x9f]*)?"
WHATSAPP_LINK = r"(?:https?://)?wa\.me/\+?[0-9]{5,15}"


def countries() -> list[str]:
    return sorted(country_codes())


def languages() -> list[str]:
    return sorted(language_codes())


class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only (marshmallow alone would take "yes" and 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(ma.fields.Integer):
    """A JSON whole number only: not "3", 3.5 or true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


REQUIRED: ma.types.ErrorMessages = {"required": "This field is required.", "null": "This field is required."}


class TextRule(validate.Regexp):
    """TEXT, LINE or their REQUIRED_ forms (for the document), checked by diaspora.validation's rules, with the
    messages that forms, services and the import give for the same mistakes."""

    def __init__(self, required: bool, multiline: bool):
        super().__init__({(False, False): LINE, (True, False): REQUIRED_LINE,
                          (False, True): TEXT, (True, True): REQUIRED_TEXT}[required, multiline])
        self.required = required
        self.multiline = multiline

    def __call__(self, value):
        problem = text_problem(value, self.multiline)
        if problem:
            raise ma.ValidationError(problem)
        if not value.strip() and self.required:
            raise ma.ValidationError(required_message())
        return super().__call__(value)


class TextLength(validate.Length):
    """The length as the services count it: after spaces are folded (one line) or stripped (several)."""

    def __init__(self, max_length: int, multiline: bool):
        super().__init__(max=max_length)
        self.multiline = multiline

    def __call__(self, value):
        cleaned = value.strip() if self.multiline else " ".join(value.split())
        if self.max is not None and len(cleaned) > self.max:
            raise ma.ValidationError(length_message(self.max))
        return value


class Forms(validate.Validator):
    """Text in one of several written forms, each with its own length limit (a phone number is shorter than a
    link). The document shows them as they are: one pattern, or anyOf."""

    def __init__(self, forms: list[tuple[int, str]], message: str, required: bool):
        optional = "" if required else "?"
        self.forms = [(limit, f"^(?:{pattern}){optional}$") for limit, pattern in forms]
        self.message = message
        self.openapi = ({"maxLength": self.forms[0][0], "pattern": self.forms[0][1]} if len(self.forms) == 1 else
                        {"anyOf": [{"maxLength": limit, "pattern": pattern} for limit, pattern in self.forms]})

    def __call__(self, value):
        if any(len(value) <= limit and re.match(pattern, value) for limit, pattern in self.forms):
            return value
        raise ma.ValidationError(self.message)


def openapi_of_validators(self, field, **kwargs) -> dict:
    """apispec attribute function: what a validator (Forms) says about itself in the document."""
    described: dict = {}
    for validator in field.validators:
        described.update(getattr(validator, "openapi", {}))
    return described


def text(max_length: int, required: bool = False, forms: list[tuple[int, str]] | None = None,
         message: str = "Not in the expected form.", multiline: bool = False, **metadata) -> ma.fields.String:
    """A text field: one line (or several, when `multiline`) without control characters, and something besides
    spaces when required; with `forms`, only those. An optional one may be empty or null (not given)."""
    validators = [TextRule(required, multiline), TextLength(max_length, multiline)]
    if forms:
        validators.append(Forms(forms, message, required))
    return ma.fields.String(required=required, allow_none=not required, validate=validators,
                            error_messages=REQUIRED if required else {}, metadata=metadata)


def choice(values, required: bool = False, blank: bool = True, **metadata) -> ma.fields.String:
    """One of `values`; an optional choice may also be empty or null (not given) unless `blank` is false."""
    allowed = list(values) if required or not blank else ["", *values]
    return ma.fields.String(required=required, allow_none=not required and blank,
                            validate=validate.OneOf(allowed, error="Choose from the list."),
                            error_messages=REQUIRED if required else {}, metadata=metadata)


RATE_LIMITED = "Too many requests from this address; Retry-After says when to try again."
UNSUPPORTED = "The body is not sent as application/json."
NOT_AN_OBJECT = "The body is not a JSON object (or not JSON at all)."


def error_responses(blp, responses: dict[int, str]):
    """Document the errors an operation answers, each with the one error shape."""
    def decorate(view):
        for status, description in sorted(responses.items(), reverse=True):
            view = blp.alt_response(status, schema=ApiErrorSchema, description=description)(view)
        return view
    return decorate


class RequestBody(ma.Schema):
    """A request body: a field the API does not know is refused (422), never ignored. Codes in UPPER and LOWER
    are taken in either case, as the services take them."""

    UPPER: tuple[str, ...] = ()
    LOWER: tuple[str, ...] = ()

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def fold_case(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        folded = dict(data)
        for names, fold in ((self.UPPER, str.upper), (self.LOWER, str.lower)):
            for name in names:
                if isinstance(folded.get(name), str):
                    folded[name] = fold(folded[name].strip())
        return folded


class OrganizationQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    lang = ma.fields.String(validate=validate.Length(max=20), metadata={
        "description": "The language of translated texts (a description), e.g. kk; else Accept-Language, then the "
                       "site's fallback order. `translations` has every language."})
    q = ma.fields.String(validate=validate.Length(max=200), metadata={
        "description": "Text in the name, city or description; Unicode case-insensitive (кыргыз finds КЫРГЫЗ)."})
    country = ma.fields.String(validate=validate.OneOf(
        countries(), error="Unknown country: use an ISO 3166-1 alpha-2 code such as RU or KG."), metadata={
        "description": "ISO 3166-1 alpha-2 code, e.g. RU (case-insensitive).", "example": "RU"})
    category = ma.fields.List(ma.fields.String(), metadata={
        "description": "Service slug; repeat the parameter to require several (legal-aid, employment, ...)."})
    language = ma.fields.String(validate=validate.OneOf(
        languages(), error="Unknown language: use an ISO 639-1 code such as ky or ru."), metadata={
        "description": "ISO 639-1 code of a language spoken, e.g. ky (case-insensitive)."})
    lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={"description": "Centre latitude."})
    lng = ma.fields.Float(validate=validate.Range(-180, 180), metadata={"description": "Centre longitude."})
    radius_km = ma.fields.Float(load_default=50.0, validate=validate.Range(0, MAX_RADIUS_KM), metadata={
        "description": "Radius around the centre, 0 to 20000 km."})
    near = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "A place name (Москва, Istanbul, Сеул) used as the centre instead of lat/lng."})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))

    @ma.pre_load
    def normalise(self, data, **kwargs):
        data = dict(data) if not hasattr(data, "getlist") else {
            key: (data.getlist(key) if key == "category" else data.get(key)) for key in data}
        for key in ("country",):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().upper()
        if isinstance(data.get("language"), str):
            data["language"] = data["language"].strip().lower()
        return data

    @ma.validates_schema
    def _centre(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data):
            field = "lng" if "lat" in data else "lat"
            raise ma.ValidationError("Give both lat and lng.", field)
        if "near" in data and "lat" in data:
            raise ma.ValidationError("Give either near or lat/lng, not both.", "near")


# API v1 gave translatable fields as {ky, ru, en} before content could be in any language: they keep that
# shape, and `translations` has every language.
API_V1_LANGUAGES = ("ky", "ru", "en")


def by_v1_language(value) -> dict[str, str | None]:
    return {lang: value[lang] or None for lang in API_V1_LANGUAGES}


def translations_field() -> ma.fields.Dict:
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                         values=ma.fields.String()), metadata={
        "description": "Every translatable field in every language it has: {field: {language code: text}}, "
                       "e.g. {\"title\": {\"ky\": \"…\", \"kk\": \"…\"}}"})


class ContentLanguageQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    lang = ma.fields.String(validate=validate.Length(max=20), metadata={
        "description": "The language of single texts (a venue's name), e.g. kk; else Accept-Language, then the "
                       "site's fallback order."})


class PointSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "Point"})
    coordinates = ma.fields.List(ma.fields.Float(), metadata={"description": "[longitude, latitude]"})


class ContactsSchema(ma.Schema):
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    telegram = ma.fields.String(allow_none=True)
    whatsapp = ma.fields.String(allow_none=True)
    instagram = ma.fields.String(allow_none=True)
    facebook = ma.fields.String(allow_none=True)
    vk = ma.fields.String(allow_none=True)


class OrganizationPropertiesSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String(metadata={
        "description": "In the language asked (`lang`, Accept-Language), else the site's fallback order"})
    city = ma.fields.String()
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    address = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "service slugs"})
    languages = ma.fields.List(ma.fields.String(), metadata={"description": "ISO 639-1 codes"})
    contacts = ma.fields.Nested(ContactsSchema)
    year_founded = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(metadata={"description": "The association's public page"})
    distance_km = ma.fields.Float(allow_none=True, metadata={"description": "Set when a centre is given"})
    demo = ma.fields.Boolean(metadata={"description": "A made-up entry from the demo data"})
    confirmed_on = ma.fields.String(allow_none=True, metadata={
        "format": "date", "example": "2026-05-17",
        "description": "When the association's people last confirmed the entry"})
    possibly_outdated = ma.fields.Boolean(metadata={"description": "Not confirmed for 18 months"})
    translations = translations_field()


class FeatureSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "Feature"})
    id = ma.fields.Integer()
    geometry = ma.fields.Nested(PointSchema, allow_none=True)
    properties = ma.fields.Nested(OrganizationPropertiesSchema)


class FeatureCollectionSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Nested(FeatureSchema))
    total = ma.fields.Integer(metadata={"description": "Matches in all (for paging with limit/offset)"})
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


class ApiErrorDetailSchema(ma.Schema):
    message = ma.fields.String(required=True, metadata={"description": "In English, for the partner's developer."})
    field = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The parameter or body field at fault (the first one), or null."})
    # data_key: a field named `fields` would hide the schema's own `fields` attribute
    field_messages = ma.fields.Dict(data_key="fields", keys=ma.fields.String(), values=ma.fields.String(), metadata={
        "description": "Invalid body fields (422): a message for each. `contact` stands for the four ways to "
                       "reach a person, `answers.<question id>` for an answer."})
    details = ma.fields.Dict(metadata={
        "description": "Invalid query parameters (400): every message, as {\"query\": {name: [messages]}}."})


class ApiErrorSchema(ma.Schema):
    """Every error the API answers, whatever the status."""

    error = ma.fields.Nested(ApiErrorDetailSchema, required=True)
