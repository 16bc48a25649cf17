"""Response headers, set by Flask-Talisman: a Content Security Policy whose scripts are our files plus the
inline map scripts that carry this response's nonce (no 'unsafe-inline'), HSTS over HTTPS, no framing
(except the widget's pages, marked `embeddable`).

Referrer-Policy matters here: without it every tile request would tell the tile server which page
(and which ?near= search) a person was looking at."""
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from flask import current_app
from flask_talisman import Talisman

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
        # folium's map set-up is inline: it runs with the response's nonce, added by Talisman
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


def init_app(app) -> None:
    # One Talisman per app: it keeps its settings on itself, and tests run several apps side by side.
    app.extensions["talisman"] = Talisman(
        app,
        # TLS and the redirect to https belong to the proxy in front; HSTS is sent on https responses
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_include_subdomains=False,
        content_security_policy=content_security_policy(app.config.get("TILES_URL") or ""),
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_xss_protection=False,  # obsolete, and harmful in old browsers
    )
