"""The directory map's filters (`/map` and the widget's `/embed/map` read the same query string) and the map
they draw."""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from diaspora.directory import map_cache, services
from diaspora.directory import search as finder
from diaspora.directory.forms import RADIUS_CHOICES, MapFilterForm
from diaspora.forms import add_error, options
from diaspora.geo import maps
from diaspora.geo.geocoder import geocode_place
from diaspora.i18n import country_choices, country_name, current_locale, language_choices, language_name

# The query string's filters, in the order the links keep them.
FILTER_KEYS = ("q", "country", "category", "language", "near", "radius_km", "lat", "lng")


@dataclass(frozen=True)
class Chip:
    """An active filter as people read it, and the query string without it (its "remove" link)."""

    label: str
    query_without: str


@dataclass
class MapFilters:
    form: MapFilterForm
    params: finder.SearchParams
    centre_label: str | None = None


# the countries and languages the directory has, while it is unchanged (two DISTINCT scans at 10,000 rows)
_facets: map_cache.BoundedCache[tuple[set[str], set[str]]] = map_cache.BoundedCache(2)


def fill_choices(form: MapFilterForm, args: MultiDict) -> None:
    """The map offers only what the directory has (short lists on a phone), plus what was asked for."""
    locale = current_locale()
    countries, languages = (set(found) for found in _facets.get(map_cache.version(), finder.facets))
    countries.add(args.get("country", ""))
    languages.add(args.get("language", ""))
    form.category.choices = options((c.slug, c.label()) for c in services.all_categories())
    form.country.choices = options([("", _("Any country"))]) + options(
        (code, name) for code, name in country_choices(locale, common_first=False) if code in countries)
    form.language.choices = options([("", _("Any language"))]) + options(
        (code, name) for code, name in language_choices(locale, common_first=False) if code in languages)
    form.radius_km.choices = options((r, _("%(km)s km", km=r)) for r in RADIUS_CHOICES)


def read(args: MultiDict, limit: int) -> MapFilters:
    """The filters of the query string as search parameters; a place we cannot find is a form error."""
    form = MapFilterForm(args)
    fill_choices(form, args)
    found = MapFilters(form, finder.SearchParams(limit=limit))
    params = found.params
    if form.validate():
        params.q = form.q.data or None
        params.country = form.country.data or None
        params.categories = form.category.data or []
        params.language = form.language.data or None
        params.radius_km = form.radius_km.data or 50
        if form.near.data and form.near.data.strip():
            location = geocode_place(form.near.data.strip(), params.country)
            if location is None:
                add_error(form.near,
                          _("We could not find this place. Check the spelling, or try a larger city nearby."))
            else:
                params.lat, params.lng = location.latitude, location.longitude
                found.centre_label = form.near.data.strip()
        elif form.lat.data is not None and form.lng.data is not None:
            params.lat, params.lng = float(form.lat.data), float(form.lng.data)
            found.centre_label = _("You are here")
    return found


def tiles() -> dict:
    return {"tiles_url": current_app.config["TILES_URL"] or None,
            "attribution": current_app.config["TILES_ATTRIBUTION"]}


# ~16 sets of filters at ~300 KB each (10,000 associations) at most, per process
_drawn: map_cache.BoundedCache[dict[str, Markup]] = map_cache.BoundedCache(16)


def draw(found: MapFilters) -> dict[str, Markup]:
    """The clustered map of every match (popups are fetched when opened), built once per set of filters while
    the directory is unchanged."""
    params = found.params
    radius_km = params.radius_km if params.has_centre else None
    settings = tiles()
    key = (map_cache.version(), params.q, params.country, tuple(sorted(params.categories)), params.language,
           params.centre, radius_km, found.centre_label, settings["tiles_url"], settings["attribution"])
    return _drawn.get(key, lambda: maps.directory_map(
        finder.map_points(params), centre=params.centre, radius_km=radius_km, centre_label=found.centre_label,
        **settings))


def _query(args: MultiDict, drop_keys: tuple[str, ...] = (), drop_value: tuple[str, str] | None = None) -> str:
    return urlencode([(key, value) for key in FILTER_KEYS if key not in drop_keys
                      for value in args.getlist(key) if value and (key, value) != drop_value])


def chips(found: MapFilters, args: MultiDict) -> list[Chip]:
    """The filters in use (only those that were understood), each with the query string that removes it."""
    params = found.params
    result = []
    if params.q:
        # the quotation marks of the page's language: «…» in Kyrgyz and Russian
        result.append(Chip(_("“%(words)s”", words=params.q), _query(args, ("q",))))
    if params.country:
        result.append(Chip(country_name(params.country), _query(args, ("country",))))
    labels = {c.slug: c.label() for c in services.all_categories()}
    for slug in params.categories:
        result.append(Chip(labels.get(slug, slug), _query(args, drop_value=("category", slug))))
    if params.language:
        result.append(Chip(language_name(params.language), _query(args, ("language",))))
    if params.has_centre:
        place = found.centre_label or ""
        result.append(Chip(_("%(place)s, %(km)s km", place=place, km=int(params.radius_km)),
                           _query(args, ("near", "radius_km", "lat", "lng"))))
    return result
