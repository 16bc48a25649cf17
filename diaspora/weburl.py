"""Web addresses people give us (an association's website and social links, an event's online link),
checked in one place for forms, services and CSV imports.

`urlsplit` raises ValueError on some input ("example.org]" is an "Invalid IPv6 URL"; a port such as
99999 or "abc" raises when it is read), so every parse goes through `split_url`, which fails only with
InvalidURL: a message for people, never a 500 or a traceback."""
import re
from urllib.parse import SplitResult, urlsplit

import idna
from flask_babel import lazy_gettext as _l

MAX_LENGTH = 300
# spaces, control characters and what a browser would have percent-encoded: not part of an address typed in
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f-\x9f<>"\\`]')


class InvalidURL(ValueError):
    """`message` says what is wrong, in the reader's language (lazy)."""

    def __init__(self, message=None):
        self.message = message or _l("Give the address of a website, e.g. https://example.org.")
        super().__init__(self.message)


def split_url(value: str) -> SplitResult:
    """`urlsplit`, with the host and port read as well (they raise lazily); InvalidURL on any failure."""
    try:
        parts = urlsplit(value)
        parts.hostname, parts.port  # noqa: B018 (read for their checks)
    except ValueError:
        raise InvalidURL() from None
    return parts


def clean_web_url(value: str | None, max_length: int = MAX_LENGTH) -> str | None:
    """An http(s) address with a real host name, as typed (https:// added when no scheme was given);
    None for an empty value. No credentials (`https://bank.example@evil.example` looks like the bank)."""
    value = (value or "").strip()
    if not value:
        return None
    if "://" not in value:
        value = "https://" + value
    if len(value) > max_length:
        raise InvalidURL(_l("At most %(max)d characters.", max=max_length))
    if _NOT_IN_URL.search(value):
        raise InvalidURL()
    parts = split_url(value)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or parts.username is not None or "." not in host.strip("."):
        raise InvalidURL()
    try:
        idna.encode(host, uts46=True)
    except idna.IDNAError:
        raise InvalidURL() from None
    return value


def shown_url(url: str) -> str:
    """How a link reads on a page: host and path, without the scheme."""
    try:
        parts = split_url(url)
    except InvalidURL:
        return url
    return (parts.hostname or "") + parts.path.rstrip("/")
