"""What every POST endpoint of the API does with its body, in one place: JSON only (415 for any other content
type, so a page on another site cannot post a form or text/plain without a CORS preflight), strict JSON, the
body checked against its documented schema, and one error shape ({"error": {"message", "field", "fields"}})."""
import json

from flask import current_app, jsonify, request
from flask_babel import force_locale

from diaspora.api.schemas import RequestBody
from diaspora.validation import ValidationError, normalize_strings

UNSUPPORTED_TYPE = "Send the body as JSON, with Content-Type: application/json."


def public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def delegation_members_limit() -> str:
    return current_app.config["DELEGATION_MEMBERS_RATE_LIMIT"]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def json_object() -> dict | None:
    """The body as a JSON object, or None: not JSON, not an object, NaN/Infinity, or nested too deep."""
    try:
        body = json.loads(request.get_data(as_text=True), parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _first_message(messages) -> str:
    """marshmallow's messages for a field ({0: ["Not a valid integer."]} for a list) as one sentence."""
    while isinstance(messages, (dict, list)) and messages:
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)


def flat_fields(errors: dict, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages ({"members": {2: {"email": [...]}}}) as {"members.2.email": "..."}; a
    list field's messages stay under its own name, as for a flat body."""
    fields: dict[str, str] = {}
    for name, messages in errors.items():
        key = prefix if name == "_schema" and prefix else f"{prefix}{name}"
        if isinstance(messages, dict) and not all(isinstance(k, int) and isinstance(v, list)
                                                  for k, v in messages.items()):
            fields.update(flat_fields(messages, f"{key}."))
        else:
            fields[key.rstrip(".")] = _first_message(messages)
    return fields


def json_fields(schema: RequestBody, nested: bool = False):
    """(the fields sent, None), or (None, the error response): 415 for a body that is not declared JSON, 400 for
    one that is not a JSON object, 422 naming every field that breaks the schema (unknown ones too). The fields
    are returned in Unicode NFC (diaspora.validation): the services clean them and check what depends on data.
    `nested`: a body with objects in it names the field at fault by its path (members.2.email)."""
    if request.mimetype != "application/json":
        return None, (jsonify({"error": {"message": UNSUPPORTED_TYPE, "field": None}}), 415)
    body = json_object()
    if body is None:
        return None, (jsonify({"error": {"message": "Send a JSON object.", "field": None}}), 400)
    body = normalize_strings(body)  # NFC, as forms and imports have it: lengths count the same characters
    with force_locale("en"):  # the API answers in English, as the services do for it
        errors = schema.validate(body)
    if errors:
        fields = (flat_fields(errors) if nested
                  else {name: _first_message(messages) for name, messages in errors.items()})
        first = next(iter(fields))
        return None, (jsonify({"error": {"message": fields[first], "field": first, "fields": fields}}), 422)
    return body, None


def invalid_fields(error: ValidationError):
    """A 422 naming every field that broke a rule."""
    return jsonify({"error": {"message": error.message, "field": error.field, **error.details()}}), 422
