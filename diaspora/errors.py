"""Error pages in the reader's language, and JSON errors ({"error": {"message", "field"}}) under /api/."""
from flask import jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """Raised by services; the error handlers turn it into a page or a JSON error."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def details(self) -> dict:
        """More for the API's JSON error (diaspora.validation.ValidationError: a message per field)."""
        return {}


class ServiceError(DomainError):
    """Input that breaks a rule: routes show it next to the field and keep the form. Several fields at once:
    diaspora.validation.ValidationError."""


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(message: str, status: int, field: str | None = None, **extra):
    body = {"error": {"message": message, "field": field, **extra}}
    return jsonify(body), status


def _first_message(messages) -> tuple[str | None, str]:
    """Dig the first field and message out of webargs' {"query": {"lat": ["Not a valid number."]}}."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("query", "json", "form", "path", "headers"):
                return _first_message(value)
            field, message = _first_message(value)
            if isinstance(key, int):
                return field, message
            return key, message
    if isinstance(messages, (list, tuple)) and messages:
        return _first_message(messages[0])
    return None, str(messages)


def validation_error(messages, status: int = 400):
    field, message = _first_message(messages)
    # Validation of query parameters is a 400 (bad request), whatever webargs' default says.
    body = {"error": {"message": message, "field": field, "details": messages}}
    return jsonify(body), 400 if status == 422 else status


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or it is not public."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        # After a fault the request's transaction is rolled back: what was being saved may not be there.
        500: _("Something went wrong on our side. Your last action may not have been saved: check, then try "
               "again."),
    }


def render_error(status: int, message: str | None = None):
    if wants_json():  # the API speaks one language, like its validation messages
        with force_locale("en"):
            return json_error(str(message or _messages().get(status, _messages()[400])), status)
    text = str(message or _messages().get(status, _messages()[400]))
    return render_template("errors/error.html", status=status, message=text), status


def init_app(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No person types U+0000; PostgreSQL cannot store it and would fail with a 500.
        # (request.form only for a form's body: a JSON body is the API's to check, field by field)
        form = request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data")
        fields = list(request.args.lists()) + (list(request.form.lists()) if form else [])
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in fields):
            return render_error(400, _l("The request contains a character that is not allowed."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _("The form had expired, so it was not sent. Please go back, reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        data = getattr(error, "data", None)
        if wants_json() and data and "messages" in data:  # webargs validation (flask-smorest)
            return validation_error(data["messages"], error.code or 400)
        # Headers the error carries, such as the Allow of a 405 (RFC 9110 requires it), stay on the page.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return *render_error(error.code or 500), headers

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if wants_json():
            return json_error(error.message, error.status, error.field, **error.details())
        return render_error(error.status, error.message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error on %s", request.path)  # rolled back already (unit_of_work)
        return render_error(InternalServerError.code)
