"""folium maps embedded in our pages, with Leaflet served by the app (no CDN) and every user string escaped.

folium does not escape Popup/Tooltip text, and its templates put that text inside a JavaScript template
literal, where `${...}` would run. `folium_text()` escapes for both contexts. The directory map never
puts names in the page at all: markers carry [lat, lng, id] and the popup is built from JSON with
textContent when it opens (static/js/map.js), which keeps /map at ~25 bytes per association.
"""
import html

import folium
import folium.plugins
from folium.template import Template
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


def folium_text(text: str) -> str:
    """Escape for HTML, then for the JS template literal folium wraps Tooltip/Popup text in."""
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")


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


def _asset_list(static_url: str, *pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(name, f"{static_url}/{VENDOR[key]}") for name, key in pairs]


def configure_assets(static_url_path: str) -> None:
    """Point folium at our copies of Leaflet, once at start-up. These lists are class attributes shared
    by every map, so they must never be changed per request."""
    folium.Map.default_js = _asset_list(static_url_path, ("leaflet", "leaflet_js"))
    folium.Map.default_css = _asset_list(static_url_path, ("leaflet_css", "leaflet_css"))
    for cls in (folium.plugins.MarkerCluster, folium.plugins.FastMarkerCluster):
        cls.default_js = _asset_list(static_url_path, ("markerclusterjs", "cluster_js"))
        cls.default_css = _asset_list(
            static_url_path, ("markerclustercss", "cluster_css"), ("markerclusterdefaultcss", "cluster_default_css"))


POINTS_TOKEN = "__DIASPORA_POINTS__"


class _PointsCluster(folium.plugins.FastMarkerCluster):
    """FastMarkerCluster whose data array is written in after folium has rendered the page.

    branca re-parses every rendered script as a Jinja template; 10,000 points make that ~300 KB through
    Jinja's lexer (~10 ms) plus per-row validation. Our rows come from validated columns, so they are
    formatted once, as numbers only, and put in place of the token."""

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
    """[[lat, lng, id], ...] with 4 decimals (about 11 m): ~25 bytes an association."""
    return "[" + ",".join(f"[{lat:.4f},{lng:.4f},{int(org_id)}]" for lat, lng, org_id in points) + "]"


def _base_map(location, zoom: int, tiles_url: str | None, attribution: str) -> EmbeddedMap:
    fmap = EmbeddedMap(location=location, zoom_start=zoom, tiles=None, control_scale=True,
                       world_copy_jump=True, min_zoom=2)
    # folium gives these to its tile layer only; clusters need max_zoom on the map even with no tiles
    fmap.options["max_zoom"] = 19
    fmap.options["min_zoom"] = 2
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=attribution, max_zoom=19, name="tiles").add_to(fmap)
    return fmap


def _parts(fmap: folium.Map, points: str | None = None) -> dict[str, Markup]:
    figure = fmap.get_root()
    figure.render()
    script = figure.script.render()
    if points is not None:
        script = script.replace(POINTS_TOKEN, points, 1)
    return {
        "header": Markup(figure.header.render()),
        "html": Markup(figure.html.render()),
        "script": Markup(script),
    }


def directory_map(points: list[list], *, tiles_url: str | None, attribution: str,
                  centre: tuple[float, float] | None = None, radius_km: float | None = None,
                  centre_label: str | None = None) -> dict[str, Markup]:
    """The clustered map of associations. `points` are (lat, lng, id) rows."""
    if centre:
        fmap = _base_map(list(centre), 9, tiles_url, attribution)
    else:
        fmap = _base_map([45.0, 60.0], 3, tiles_url, attribution)
    _PointsCluster(callback=MARKER_CALLBACK, chunkedLoading=True, showCoverageOnHover=False).add_to(fmap)
    if centre:
        if radius_km:
            circle = folium.Circle(list(centre), radius=radius_km * 1000, color="#0b57a4", fill=False, weight=2)
            circle.add_to(fmap)
            south, west, north, east = _circle_bounds(centre, radius_km)
            fmap.fit_bounds([[south, west], [north, east]])
        marker = folium.CircleMarker(list(centre), radius=6, color="#0b57a4", fill=True, fill_opacity=1)
        if centre_label:
            folium.Tooltip(folium_text(centre_label)).add_to(marker)
        marker.add_to(fmap)
    return _parts(fmap, points_json(points))


def _circle_bounds(centre: tuple[float, float], radius_km: float) -> tuple[float, float, float, float]:
    lat, lng = centre
    dlat = min(radius_km / 111.0, 80.0)
    import math

    dlng = min(radius_km / max(111.0 * math.cos(math.radians(lat)), 1e-6), 179.0)
    return max(lat - dlat, -85.0), lng - dlng, min(lat + dlat, 85.0), lng + dlng


def single_map(lat: float, lng: float, label: str, *, tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    """A small map with one marker, for an association's page. The label is user text: escaped."""
    fmap = _base_map([lat, lng], 14, tiles_url, attribution)
    marker = folium.Marker([lat, lng], alt=label)
    folium.Tooltip(folium_text(label)).add_to(marker)
    marker.add_to(fmap)
    return _parts(fmap)


def init_app(app) -> None:
    configure_assets(app.static_url_path)


def events_map(points: list[tuple[float, float, str, str]], *, tiles_url: str | None,
               attribution: str) -> dict[str, Markup]:
    """Upcoming events: a marker each (they are few), the title in an escaped tooltip; the list under the
    map carries the links."""
    lats = [p[0] for p in points]
    lngs = [p[1] for p in points]
    fmap = _base_map([sum(lats) / len(lats), sum(lngs) / len(lngs)], 3, tiles_url, attribution)
    for lat, lng, title, _url in points:
        marker = folium.Marker([lat, lng], alt=title)
        folium.Tooltip(folium_text(title)).add_to(marker)
        marker.add_to(fmap)
    if len(points) > 1:
        fmap.fit_bounds([[min(lats), min(lngs)], [max(lats), max(lngs)]], max_zoom=10)
    return _parts(fmap)


def countries_map(figures: dict[str, tuple[int, int]], places: dict[str, tuple[float, float]],
                  labels: dict[str, str], *, tiles_url: str | None, attribution: str) -> dict[str, Markup]:
    """Demand against supply by country: a red circle sized by the requests, a blue one by the offers,
    at the country's capital; the tooltip gives the figures (our own text, escaped all the same)."""
    fmap = _base_map([45.0, 60.0], 3, tiles_url, attribution)
    for code, (demand, supply) in figures.items():
        if code not in places:
            continue
        lat, lng = places[code]
        label = folium_text(labels.get(code, code))
        if demand:
            folium.CircleMarker([lat, lng], radius=4 + 3 * demand ** 0.5, color="#b01c1c", fill=True,
                                fill_opacity=0.35, tooltip=folium.Tooltip(label)).add_to(fmap)
        if supply:
            folium.CircleMarker([lat, lng], radius=3 + 3 * supply ** 0.5, color="#0b57a4", fill=False, weight=3,
                                tooltip=folium.Tooltip(label)).add_to(fmap)
    return _parts(fmap)
