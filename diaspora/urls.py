"""Absolute links to this site, for mail and the API.

Built from SITE_URL, never from the request's Host header: otherwise anybody could ask for a password
reset with `Host: evil.example` and have us mail the victim a link to their own server."""
from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

# Integer primary keys are 32-bit on PostgreSQL; a longer number in a URL is simply not found.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def external_url(endpoint: str, **values) -> str:
    site = current_app.config["SITE_URL"].rstrip("/")
    if has_request_context():
        return site + url_for(endpoint, **values)
    # mail queued by a command (reminders) or a retry: no request to build the path from
    with current_app.test_request_context("/", base_url=site):
        return site + url_for(endpoint, **values)


def init_app(app) -> None:
    app.url_map.converters["id"] = IdConverter
