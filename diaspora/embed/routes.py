"""The widget's pages. They render in the language asked (`lang`), carry no form and no cookie, and every
link opens the full site in a new tab."""
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from diaspora.directory import map_filters
from diaspora.events import services as events
from diaspora.extensions import db
from diaspora.headers import embeddable
from diaspora.i18n import current_locale
from diaspora.models import Organization
from diaspora.urls import MAX_ID, external_url

bp = Blueprint("embed", __name__)
# what the snippet builder offers, and what the widget reads from its address
MAP_KEYS = ("country", "category", "language", "near", "radius_km")
SIZES = {"small": (320, 300), "medium": (600, 450), "large": (900, 600)}


def _language() -> str:
    asked = request.args.get("lang", "")
    return asked if asked in current_app.config["LANGUAGES"] else current_locale()


@bp.get("/embed/map")
@embeddable
def map_widget():
    with force_locale(_language()):
        found = map_filters.read(request.args, limit=1)
        errors = [error for field in found.form for error in field.errors]
        return render_template("embed/map.html", fmap=map_filters.draw(found), errors=errors,
                               full_url=external_url("directory.map_view") + _query(MAP_KEYS))


@bp.get("/embed/events")
@embeddable
def events_widget():
    org = None
    if "organization" in request.args:
        org_id = _id(request.args["organization"])
        org = db.session.get(Organization, org_id) if org_id else None
        if org is None or not org.is_published:
            abort(404)
    with force_locale(_language()):
        return render_template("embed/events.html", org=org,
                               events=events.upcoming(limit=20, organization_id=org.id if org else None))


def _id(value: str) -> int | None:
    """An id as the <id:...> converter takes it (a larger number would be an error in PostgreSQL)."""
    return int(value) if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID else None


def _query(keys) -> str:
    pairs = [(key, value) for key in keys for value in request.args.getlist(key) if value]
    return "?" + urlencode(pairs) if pairs else ""


@bp.get("/embed")
def builder():
    """Build the snippet: the choices are a GET form (works without scripts), embed-builder.js updates the
    snippet and the preview as they change."""
    form = map_filters.read(request.args, limit=1).form
    kind = request.args.get("kind") if request.args.get("kind") in ("map", "events") else "map"
    size = request.args.get("size", "medium")
    size = size if size in SIZES else "medium"
    lang = request.args.get("lang") if request.args.get("lang") in current_app.config["LANGUAGES"] else ""
    org_id = _id(request.args.get("organization", ""))
    endpoint = "embed.map_widget" if kind == "map" else "embed.events_widget"
    query = _query((*MAP_KEYS, "lang") if kind == "map" else ("organization", "lang"))
    width, height = SIZES[size]
    # shown as text in the page (escaped again by the template), pasted as HTML on the association's site
    snippet = (f'<iframe src="{escape(external_url(endpoint) + query)}" width="{width}" height="{height}" '
               f'style="border:0;max-width:100%" loading="lazy" title="{escape(_("Kyrgyz associations"))}"></iframe>')
    return render_template("embed/builder.html", form=form, kind=kind, size=size, sizes=SIZES, lang=lang,
                           org_id=org_id, snippet=snippet,
                           preview_src=url_for(endpoint) + query, width=width, height=height,
                           bases={"map": external_url("embed.map_widget"),
                                  "events": external_url("embed.events_widget")})

