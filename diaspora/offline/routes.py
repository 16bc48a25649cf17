"""The service worker, the app manifest, the offline page and each country's pack (what "Save for offline"
stores)."""
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from diaspora.i18n import country_name
from diaspora.offline import pack_pages

bp = Blueprint("offline", __name__)
_COUNTRY = re.compile(r"[A-Z]{2}")
# What a saved page needs besides itself (the worker caches these with the pages).
# menu.js is on every page, chooser.js and print.js on the pages that use them (page_script): a saved
# page needs them offline too.
ASSETS = ("css/site.css", "js/offline.js", "js/sw-register.js", "js/menu.js", "js/chooser.js", "js/print.js")
ICON_SIZES = (192, 512)


@bp.get("/sw.js")
def service_worker():
    # Served from the root so that its scope is the whole site; always revalidated, so a fix reaches phones.
    path = Path(current_app.static_folder or "static") / "js" / "sw.js"
    return Response(path.read_bytes(), mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/icon-<int:size>.png")
def icon(size: int):
    """The app's icon, from memory: browsers fetch it after the page has loaded and often drop the
    connection half-way (a tab closed), which would leave a streamed file open."""
    if size not in ICON_SIZES:
        abort(404)
    return Response(_icon_bytes(size), mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=len(ICON_SIZES))
def _icon_bytes(size: int) -> bytes:
    return (Path(current_app.static_folder or "static") / "img" / f"icon-{size}.png").read_bytes()


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify({
        "name": _("Compatriots abroad") + " · " + _("Diaspora"),
        "short_name": _("Diaspora"),
        "description": _("Associations, events and help for compatriots abroad."),
        "start_url": url_for("main.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b01c1c",
        "icons": [{"src": url_for("offline.icon", size=size), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any maskable"} for size in ICON_SIZES],
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline_page():
    """What the worker shows for a page that was not saved, and the list of saved pages when online."""
    return render_template("offline/offline.html")


@bp.get("/offline/pack/<country>.json")
def pack(country: str):
    code = country.upper()
    if not _COUNTRY.fullmatch(code):
        return jsonify({"error": {"message": "A country is two letters (ISO 3166-1), e.g. RU.",
                                  "field": "country"}}), 400
    pages = [{"url": page.url, "title": page.title} for page in pack_pages(code)]
    return jsonify({
        "country": code,
        "country_name": country_name(code),
        "pages": pages,
        "assets": [url_for("static", filename=name) for name in ASSETS] + [url_for("offline.icon", size=192),
                                                                         url_for("offline.offline_page")],
    })
