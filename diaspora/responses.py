"""What every response goes through on its way out: an ETag when it is the same for everyone, compression
(Flask-Compress: brotli where the browser accepts it, else gzip), then the answer to a conditional request.

A page is the same for everyone when nothing of the person is in it: an anonymous visitor, no CSRF token
(a form that posts), no flashed message taken from the session, no cookie set, no CSP nonce in the body
(none is issued: the inline map scripts are allowed by their hash, diaspora.headers), and the view did not
mark it private or no-store (a help request's secret link).
Its ETag is the hash of the body itself, so a 304 can never hide a change; `Cache-Control: no-cache` makes
the browser ask each time, and `Vary` names what the language follows. Other pages and JSON answers get
`Cache-Control: private` (unless their view said more, e.g. no-store) and no ETag.

Streamed responses (PDF, CSV and spreadsheet downloads, exports) are never compressed nor buffered; static
files are, when their type compresses (CSS, JavaScript, JSON, SVG)."""
import gzip
import re

import brotli
from flask import Flask, Response, g, request, session
from flask_compress import Compress
from flask_login import current_user

from diaspora import page_cache

# Pages and API answers that may carry an ETag when they are the same for everyone.
SHAREABLE_TYPES = frozenset({"text/html", "application/json", "application/geo+json"})
# Text compresses; images, PDF and spreadsheets already are compressed, and CSV downloads are streamed.
COMPRESSED_TYPES = SHAREABLE_TYPES | {"text/css", "text/javascript", "application/javascript", "text/plain",
                                      "text/calendar", "application/manifest+json", "image/svg+xml"}


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", sorted(COMPRESSED_TYPES))
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)  # below it the headers cost more than they save
    app.config["COMPRESS_STREAMS"] = False
    # called below, after the ETag is set, rather than as a hook of its own
    app.config["COMPRESS_REGISTER"] = False
    app.config["COMPRESS_EVALUATE_CONDITIONAL_REQUEST"] = False
    compress = Compress(app)

    # Registered before every other hook, so it runs after them all (Flask runs them last-registered first):
    # it sees the cookies they set and the body they leave.
    @app.after_request
    def smaller_and_conditional(response: Response) -> Response:
        shared = tag_if_shared(response)
        if shared:
            request.environ[page_cache.SHARED] = True  # the page cache may keep it (diaspora.page_cache)
        static = request.endpoint == "static" and response.status_code == 200
        if _compressible(response, static):
            if static:
                response.direct_passthrough = False
                response.get_data()  # a file is streamed: read it (it is small) so that it can be compressed
                response = _compress_static(response)
            else:
                response = compress.after_request(response)
        if static:
            _without_page_headers(response)
        if shared or static:
            response.make_conditional(request)
        return response


# A static file's name holds its content's hash, so its compressed bytes never change: compressed once per process
# at the strongest levels (brotli 11 takes Leaflet from 44 to 37 KB, a fifth of a second at 400 kbit/s), then
# kept. Keyed by URL and encoding; the static folder is small, and hashed names are never reused for other bytes.
HASHED_NAME = re.compile(r"-[0-9a-f]{32}\.\w+$")
_STATIC_COMPRESSED: dict[tuple[str, str], bytes] = {}


# Headers that speak to a document (its scripts, framing, the browser features it may use) or to a download:
# a stylesheet or a script is neither, and on a slow link a page's dozen static files would carry ~5 KB of them.
PAGE_ONLY_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Content-Disposition")


def _without_page_headers(response: Response) -> None:
    if response.mimetype in ("text/css", "text/javascript", "application/javascript"):
        for name in PAGE_ONLY_HEADERS:
            response.headers.pop(name, None)


def _compress_static(response: Response) -> Response:
    response.vary.add("Accept-Encoding")
    encoding = request.accept_encodings.best_match(["br", "gzip"])
    if encoding is None:
        return response
    key = (request.path, encoding)
    body = _STATIC_COMPRESSED.get(key)
    if body is None:
        data = response.get_data()
        body = brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9, mtime=0)
        if HASHED_NAME.search(request.path):  # a plain name (a file edited while the server runs) is not kept
            _STATIC_COMPRESSED[key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag:  # other bytes, another strong validator (RFC 9110 8.8.3)
        response.set_etag(f"{etag}:{encoding}", bool(weak))
    return response


def _compressible(response: Response, static: bool) -> bool:
    return (response.status_code == 200 and request.range is None and "Content-Encoding" not in response.headers
            and response.mimetype in COMPRESSED_TYPES
            and (static or not response.is_streamed))


def is_shared(response: Response) -> bool:
    """True when `response` is the same for every visitor who sends the same URL and language."""
    if (request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed
            or response.mimetype not in SHAREABLE_TYPES or request.endpoint == "static"):
        return False
    if response.cache_control.no_store or response.cache_control.private or "ETag" in response.headers:
        return False
    if "Set-Cookie" in response.headers or session.modified or "csrf_token" in g:
        return False  # a cookie set, a flash taken, a login, a form's CSRF token
    if current_user.is_authenticated:
        return False
    nonce = getattr(request, "csp_nonce", "")
    return not (nonce and nonce.encode() in response.get_data())


def tag_if_shared(response: Response) -> bool:
    """An ETag from the body on a page that is the same for everyone; `private` on other personal pages."""
    if is_shared(response):
        response.add_etag()
        response.cache_control.no_cache = True
        response.vary.update(("Cookie", "Accept-Language"))  # the language: the lang cookie, else the browser's
        return True
    if (response.mimetype in SHAREABLE_TYPES and "Cache-Control" not in response.headers
            and request.endpoint != "static"):
        response.cache_control.private = True
    return False
