"""Absolute links to this site, for mail and the API; safe_next for where a redirect may lead.

Built from SITE_URL, never from the request's Host header: otherwise anybody could ask for a password
reset with `Host: evil.example` and have us mail the victim a link to their own server."""
from typing import TypeVar

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BaseConverter, IntegerConverter, PathConverter, UnicodeConverter, ValidationError

from diaspora.validation import control_character
from diaspora.weburl import InvalidURL, split_url

# Integer primary keys are 32-bit on PostgreSQL; a longer number in a URL is simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class _NoControlCharacters(BaseConverter):
    """A control character in a path value (U+0000, which PostgreSQL refuses, or any other) in a token or a
    slug means no such page, a 404, before any view or query sees it. (Query and form values: a NUL is
    answered 400 by diaspora.errors, other control characters are refused field by field by forms and
    services.)"""

    def to_python(self, value: str):
        if control_character(value, allowed=""):
            raise ValidationError()  # the rule does not match; with no other rule matching, a 404
        return super().to_python(value)


class TextConverter(_NoControlCharacters, UnicodeConverter):
    """`<name>` and `<string:name>`."""


class SafePathConverter(_NoControlCharacters, PathConverter):
    """`<path:name>`."""


def external_url(endpoint: str, **values) -> str:
    site = current_app.config["SITE_URL"].rstrip("/")
    if has_request_context():
        return site + url_for(endpoint, **values)
    # mail queued by a command (reminders) or a retry: no request to build the path from
    with current_app.test_request_context("/", base_url=site):
        return site + url_for(endpoint, **values)


def init_app(app) -> None:
    """Before any blueprint adds a rule: a rule takes its converters when it is added. (Flask's own static
    rule predates this; a control character there names no file, a 404 as well, as tests/test_input.py checks.)"""
    app.url_map.converters.update(id=IdConverter, default=TextConverter, string=TextConverter,
                                  path=SafePathConverter)


_Default = TypeVar("_Default", str, None)


def safe_next(target: str | None, default: _Default) -> str | _Default:
    """Only same-site relative paths, so ?next= cannot send anyone elsewhere.

    Anything else, or anything that does not parse (`//[x`), gives `default`. Control characters are refused
    too: browsers drop tabs and line breaks from URLs (`/<TAB>/evil.example` is `//evil.example`), and a line
    break cannot go into a Location header."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if control_character(target, allowed=""):
        return default
    try:
        parts = split_url(target)
    except InvalidURL:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target
