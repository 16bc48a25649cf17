"""The API's one error shape: {"error": {"message": "...", "field": "..."}}."""
from flask import jsonify


def _first(messages) -> tuple[str | None, str]:
    """Dig the first field and message out of webargs' {"query": {"lat": ["Not a valid number."]}}."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("query", "json", "form", "path", "headers"):
                return _first(value)
            field, message = _first(value)
            if isinstance(key, int):
                return field, message
            return key, message
    if isinstance(messages, (list, tuple)) and messages:
        return _first(messages[0])
    return None, str(messages)


def validation_error(messages, status: int = 400):
    field, message = _first(messages)
    # Validation of query parameters is a 400 (bad request), whatever webargs' default says.
    body = {"error": {"message": message, "field": field, "details": messages}}
    return jsonify(body), 400 if status == 422 else status
