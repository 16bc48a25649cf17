"""Response headers, set by Flask-Talisman: a Content Security Policy whose scripts are our files plus the
inline map scripts allowed by their hash (no 'unsafe-inline', and no nonce: a nonce would make every page with
a map different for each visitor, so never shared nor answered with a 304), HSTS over HTTPS, no framing
(except the widget's pages, marked `embeddable`).

Referrer-Policy matters here: without it every tile request would tell the tile server which page
(and which ?near= search) a person was looking at."""
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from flask import Response, current_app, g
from flask_talisman import Talisman
from markupsafe import Markup

from diaspora.geo.maps import script_hash

PERMISSIONS = {"geolocation": "(self)", "camera": "()", "microphone": "()"}
# the check-in page scans tickets with the phone's camera
CAMERA_PERMISSIONS = {**PERMISSIONS, "camera": "(self)"}


def _tile_origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.hostname or ""
    if "{s}" in url:
        host = "*." + host.split(".", 1)[-1]
    return f"{parts.scheme}://{host}" if host else ""


def content_security_policy(tiles_url: str) -> dict[str, str]:
    return {
        "default-src": "'self'",
        # folium's map set-up is inline: the page adds its hash (`inline_script`)
        "script-src": "'self'",
        # folium and Leaflet put small style blocks and attributes on the page
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: {_tile_origin(tiles_url or '')}".strip(),
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }


def for_view(**options):
    """A view's own header settings (e.g. `permissions_policy`): Talisman reads them off the view function."""
    return Talisman()(**options)


class _EmbeddablePolicy(Mapping):
    """The site's policy with `frame-ancestors *` and no form posts, read from the app when a response is
    made (the tiles' origin is the app's setting, unknown when the view is decorated)."""

    def _policy(self) -> dict[str, str]:
        policy = content_security_policy(current_app.config.get("TILES_URL") or "")
        return {**policy, "frame-ancestors": "*", "form-action": "'none'"}

    def __getitem__(self, key: str) -> str:
        return self._policy()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._policy())

    def __len__(self) -> int:
        return len(self._policy())


def embeddable(view):
    """A page any site may put in an iframe (the widget): `frame-ancestors *` and no X-Frame-Options."""
    return for_view(frame_options=None, content_security_policy=_EmbeddablePolicy())(view)


def inline_script(code: str, digest: str | None = None) -> Markup:
    """A <script> with `code` (ours: numbers and our own JavaScript, never user text), allowed by its hash in
    this response's policy. `digest`: its `script_hash`, when already known (a map's, kept with it)."""
    g.setdefault("csp_script_hashes", set()).add(digest or script_hash(code))
    return Markup("<script>{}</script>").format(Markup(code))


def allow_script(digest: str) -> str:
    """Allow a script of ours that the page runs later (a lazy map's, static/js/lazy-map.js) by its hash."""
    g.setdefault("csp_script_hashes", set()).add(digest)
    return ""


def _allow_inline_scripts(response: Response) -> Response:
    hashes = g.get("csp_script_hashes")
    policy = response.headers.get("Content-Security-Policy")
    if hashes and policy:
        sources = " ".join(f"'{digest}'" for digest in sorted(hashes))
        response.headers["Content-Security-Policy"] = "; ".join(
            f"{part.strip()} {sources}" if part.strip().startswith("script-src") else part.strip()
            for part in policy.split(";"))
    return response


def init_app(app) -> None:
    app.jinja_env.globals["inline_script"] = inline_script
    app.jinja_env.globals["allow_script"] = allow_script
    # registered before Talisman's hook, so it runs after it (Flask runs them last-registered first)
    app.after_request(_allow_inline_scripts)
    # One Talisman per app: it keeps its settings on itself, and tests run several apps side by side.
    app.extensions["talisman"] = Talisman(
        app,
        # TLS and the redirect to https belong to the proxy in front; HSTS is sent on https responses
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_include_subdomains=False,
        content_security_policy=content_security_policy(app.config.get("TILES_URL") or ""),
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_xss_protection=False,  # obsolete, and harmful in old browsers
    )
