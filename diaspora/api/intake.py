"""What every POST endpoint of the API does with its body: strict JSON, known fields only, and one error
shape ({"error": {"message", "field", "fields"}}) when it is refused."""
import json

from flask import current_app, jsonify, request

from diaspora.errors import InvalidFields


def public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _json_object() -> dict | None:
    """The body as a JSON object, or None: not JSON, not an object, NaN/Infinity, or nested too deep."""
    try:
        body = json.loads(request.get_data(as_text=True), parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def json_fields(allowed: frozenset[str]):
    """(fields sent, None), or (None, the error response) for a body that is not a JSON object or has a field
    outside `allowed`."""
    body = _json_object()
    if body is None:
        return None, (jsonify({"error": {"message": "Send a JSON object.", "field": None}}), 400)
    unknown = sorted(set(body) - allowed)
    if unknown:
        return None, (jsonify({"error": {"message": f"Unknown field: {unknown[0]}", "field": unknown[0],
                                         "fields": {name: "Unknown field." for name in unknown}}}), 422)
    return body, None


def invalid_fields(error: InvalidFields):
    """A 422 naming every field that broke a rule."""
    return jsonify({"error": {"message": error.message, "field": error.field, "fields": error.errors}}), 422
