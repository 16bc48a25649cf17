"""folium maps embedded in our pages, with Leaflet served by the app (no CDN) and no user text in folium.

branca, folium's parent, compiles every rendered element as a Jinja template and renders it again, so any
text handed to folium (a tooltip, a popup, a marker's alt) is executed on the server: `{{ 7*7 }}` in a name
became 49, and worse. So folium draws only the map itself from numbers and our own constants, and what
people read (names, titles, places) travels beside it as JSON data: `Pin` and `Disc` carry it, the page
holds it in a `<script type="application/json">` block (not executed, escaped by `htmlsafe_json_dumps`), and
static/js/map-layers.js builds the markers and sets every label with `textContent`. `_check_no_text` refuses
to render a map that holds a folium element able to carry text, so the mistake cannot come back.

The directory map carries only [lat, lng, id] per marker; popups are fetched as JSON when opened
(static/js/map.js), which keeps /map at ~25 bytes per association.

The same map gives the same bytes: folium names its elements with random hex, which we replace by their
position in the map (`_name_in_order`), so a page with a map is the same for everyone and in every worker
(one ETag), and its inline script is allowed by its hash (`script_hash`), not by a per-response nonce.
Rendering goes through branca's templates (milliseconds), so each map is rendered once per set of inputs
and kept in a small LRU.
"""
import base64
import functools
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, cast

import folium
import folium.plugins
from branca.element import Figure
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

VENDOR = {
    "leaflet_js": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "cluster_js": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "cluster_css": "vendor/leaflet.markercluster/MarkerCluster.css",
    "cluster_default_css": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
}

MARKER_CALLBACK = """function (row) {
    var marker = L.marker(new L.LatLng(row[0], row[1]), {alt: window.diasporaMap.markerLabel, keyboard: true});
    marker.bindPopup(function () { return window.diasporaMap.popup(row[2], marker); }, {maxWidth: 300, minWidth: 200});
    return marker;
}"""

BLUE = "#0b57a4"
RED = "#b01c1c"


@dataclass(frozen=True)
class Pin:
    """A marker and the text people read on it (its tooltip, and its popup's link when `url` is set)."""

    lat: float
    lng: float
    label: str
    url: str | None = None
    lang: str | None = None  # the label's language, when it is content (an event's title in Kazakh)


@dataclass(frozen=True)
class Disc:
    """A circle of `radius` pixels: `demand` is filled red, `supply` a blue ring, `centre` a blue dot (a search's
    centre); `label` is its tooltip."""

    lat: float
    lng: float
    radius: float
    kind: Literal["demand", "supply", "centre"]
    label: str


class EmbeddedMap(folium.Map):
    """folium.Map without the full-page header (viewport that blocks zoom, html/body at 100% height):
    the map lives in a box of our page, sized by our CSS."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>#{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }
            .leaflet-container { font-size: {{ this.font_size }}; }</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale().addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )


def _asset_list(static_url: str, name_of: Callable[[str], str], *pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(name, f"{static_url}/{name_of(VENDOR[key])}") for name, key in pairs]


# Leaflet's scripts, given to the page apart from folium's header: they go at the end of the body, just
# before the map's own script that needs them, so that they do not hold up the page above the map.
_SCRIPTS = {key: f"/static/{VENDOR[key]}" for key in ("leaflet_js", "cluster_js")}


def configure_assets(static_url_path: str, name_of: Callable[[str], str] = lambda name: name) -> None:
    """Point folium at our copies of Leaflet (under the names `name_of` gives: hashed ones), once at start-up.
    These lists are class attributes shared by every map, so they must never be changed per request."""
    folium.Map.default_js = []
    folium.Map.default_css = _asset_list(static_url_path, name_of, ("leaflet_css", "leaflet_css"))
    for cls in (folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster):
        cls.default_js = []
        cls.default_css = _asset_list(static_url_path, name_of, ("markerclustercss", "cluster_css"),
                                      ("markerclusterdefaultcss", "cluster_default_css"))
    _SCRIPTS.update({key: f"{static_url_path}/{name_of(VENDOR[key])}" for key in ("leaflet_js", "cluster_js")})


POINTS_TOKEN = "__DIASPORA_POINTS__"


class _PointsCluster(folium.plugins.FastMarkerCluster):
    """FastMarkerCluster whose data array is written in after folium has rendered the page.

    branca re-parses every rendered script as a Jinja template; 10,000 points make that ~300 KB through
    Jinja's lexer (~10 ms) plus per-row validation. The rows are numbers only (see `points_json`), put in
    place of the token once branca is done."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.callback }}
                var data = """ + POINTS_TOKEN + """;
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                for (var i = 0; i < data.length; i++) {
                    callback(data[i]).addTo(cluster);
                }
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, **kwargs):
        super().__init__([], **kwargs)


def points_json(points) -> str:
    """[[lat, lng, id], ...] with 4 decimals (about 11 m): ~25 bytes an association. float() and int()
    make sure nothing but numbers can reach the script."""
    return "[" + ",".join(f"[{float(lat):.4f},{float(lng):.4f},{int(row_id)}]" for lat, lng, row_id in points) + "]"


# What folium may draw: the map, tiles and shapes made of numbers. Markers, tooltips, popups, icons and
# any other element that can carry text are not here: their text would be compiled by branca.
_ALLOWED = (folium.TileLayer, folium.Circle, folium.CircleMarker, _PointsCluster, folium.map.FitBounds)


def _check_no_text(element) -> None:
    for child in element._children.values():
        if type(child) not in _ALLOWED:
            raise TypeError(f"{type(child).__name__} on a map: labels travel as JSON (Pin, Disc), never "
                            "through folium, which compiles its text as a template")
        _check_no_text(child)


def _base_map(location, zoom: int, tiles_url: str | None, attribution: str) -> EmbeddedMap:
    fmap = EmbeddedMap(location=[float(v) for v in location], zoom_start=zoom, tiles=None, control_scale=True,
                       world_copy_jump=True, min_zoom=2)
    # folium gives these to its tile layer only; clusters need max_zoom on the map even with no tiles
    fmap.options["max_zoom"] = 19
    fmap.options["min_zoom"] = 2
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=attribution, max_zoom=19, name="tiles").add_to(fmap)
    return fmap


def _name_in_order(element, counter=None) -> None:
    """Element ids by their place in the tree (map_0, tile_layer_1, ...) instead of random hex."""
    counter = counter if counter is not None else iter(range(1_000_000))
    element._id = str(next(counter))
    for child in element._children.values():
        _name_in_order(child, counter)


def script_hash(script: str) -> str:
    """The CSP source that allows this inline script: 'sha256-...' of its exact text."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def with_points(parts: dict[str, Markup], points: str) -> dict[str, Markup]:
    """`parts` of a directory map with its marker data put in place of the token (and the script's hash)."""
    script = Markup(parts["script"].replace(POINTS_TOKEN, points, 1))
    return {**parts, "script": script, "script_hash": Markup(script_hash(script))}


def _parts(fmap: EmbeddedMap, layers: dict | None = None) -> dict[str, Markup]:
    """The map's header, HTML and script for our templates. `layers` (labels and all) goes into the HTML
    as JSON data for map-layers.js; it never passes through folium."""
    _check_no_text(fmap)
    figure = cast(Figure, fmap.get_root())  # typed as any Element; a folium Map always sits in a Figure
    _name_in_order(figure)
    figure.render()
    script = figure.script.render()
    html = figure.html.render()
    if layers:
        data = htmlsafe_json_dumps({"map": fmap.get_name(), **layers})
        html += f'<script type="application/json" class="map-layers">{data}</script>'
    scripts = [_SCRIPTS["leaflet_js"]]
    if any(isinstance(child, _PointsCluster) for child in fmap._children.values()):
        scripts.append(_SCRIPTS["cluster_js"])
    tags = Markup("").join(Markup('<script src="{}"></script>').format(src) for src in scripts)
    # the scripts sit at the end of the body; fetched from the head, they download beside the page
    preloads = Markup("").join(Markup('<link rel="preload" as="script" href="{}">').format(src) for src in scripts)
    styles = Markup(figure.header.render())
    # a lazy map (templates/_macros.html) loads these itself when it comes into view: no preload, no tags
    return {"header": preloads + styles, "styles": styles, "preloads": preloads,
            "has_layers": Markup("1" if layers else ""), "html": Markup(html), "script": Markup(script),
            "scripts": tags, "script_urls": Markup.escape(json.dumps(scripts)),
            "name": Markup.escape(fmap.get_name()), "script_hash": Markup(script_hash(script))}


def directory_map(points: Sequence[tuple[float, float, int]], *, tiles_url: str | None, attribution: str,
                  centre: tuple[float, float] | None = None, radius_km: float | None = None,
                  centre_label: str | None = None) -> dict[str, Markup]:
    """The clustered map of associations (or offers): `points` are (lat, lng, id) rows, whose popups
    static/js/map.js fetches when opened."""
    centre = (float(centre[0]), float(centre[1])) if centre else None
    radius = float(radius_km) if radius_km else None
    return with_points(_directory_frame(centre, radius, centre_label, tiles_url, attribution), points_json(points))


@functools.lru_cache(maxsize=128)
def _directory_frame(centre: tuple[float, float] | None, radius_km: float | None, centre_label: str | None,
                     tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    """The directory map without its markers (the token in their place): the same for every set of filters
    that share a centre."""
    if centre:
        fmap = _base_map(list(centre), 9, tiles_url, attribution)
    else:
        fmap = _base_map([45.0, 60.0], 3, tiles_url, attribution)
    _PointsCluster(callback=MARKER_CALLBACK, chunkedLoading=True, showCoverageOnHover=False).add_to(fmap)
    layers = None
    if centre:
        if radius_km:
            folium.Circle([float(v) for v in centre], radius=float(radius_km) * 1000, color=BLUE, fill=False,
                          weight=2).add_to(fmap)
            south, west, north, east = _circle_bounds(centre, radius_km)
            fmap.fit_bounds([[south, west], [north, east]])
        layers = {"discs": [asdict(Disc(centre[0], centre[1], 6, "centre", centre_label or ""))]}
    return _parts(fmap, layers)


def _circle_bounds(centre: tuple[float, float], radius_km: float) -> tuple[float, float, float, float]:
    lat, lng = centre
    dlat = min(radius_km / 111.0, 80.0)
    dlng = min(radius_km / max(111.0 * math.cos(math.radians(lat)), 1e-6), 179.0)
    return max(lat - dlat, -85.0), lng - dlng, min(lat + dlat, 85.0), lng + dlng


def pins_map(pins: Sequence[Pin], *, tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    """Markers with labels: one pin close up (an association's or an event's page), several fitted in view
    (the events' map)."""
    return dict(_pins_map(tuple(pins), tiles_url, attribution))


@functools.lru_cache(maxsize=512)
def _pins_map(pins: tuple[Pin, ...], tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    lats = [float(p.lat) for p in pins]
    lngs = [float(p.lng) for p in pins]
    if len(pins) == 1:
        fmap = _base_map([lats[0], lngs[0]], 14, tiles_url, attribution)
    else:
        fmap = _base_map([sum(lats) / len(lats), sum(lngs) / len(lngs)], 3, tiles_url, attribution)
        fmap.fit_bounds([[min(lats), min(lngs)], [max(lats), max(lngs)]], max_zoom=10)
    return _parts(fmap, {"pins": [asdict(p) for p in pins]})


def countries_map(discs: Sequence[Disc], *, tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    """Circles sized by figures (demand against supply by country)."""
    return dict(_countries_map(tuple(discs), tiles_url, attribution))


@functools.lru_cache(maxsize=64)
def _countries_map(discs: tuple[Disc, ...], tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    fmap = _base_map([45.0, 60.0], 3, tiles_url, attribution)
    return _parts(fmap, {"discs": [asdict(d) for d in discs]})


def init_app(app) -> None:
    names = app.extensions.get("static_names", {})
    configure_assets(app.static_url_path, lambda name: names.get(name, name))
