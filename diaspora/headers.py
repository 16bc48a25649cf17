"""Response headers that keep visits private and pages unframeable.

Referrer-Policy matters here: without it every tile request would tell the tile server which page
(and which ?near= search) a person was looking at."""
from urllib.parse import urlsplit


def _tile_origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.hostname or ""
    if "{s}" in url:
        host = "*." + host.split(".", 1)[-1]
    return f"{parts.scheme}://{host}" if host else ""


def init_app(app) -> None:
    tiles = _tile_origin(app.config.get("TILES_URL") or "")
    policy = "; ".join([
        "default-src 'self'",
        # folium writes its map set-up as inline scripts and styles
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {tiles}".strip(),
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ])

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
