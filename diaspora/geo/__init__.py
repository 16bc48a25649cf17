"""Everything that knows the earth: geocoding, distances and bounding boxes, folium maps."""


def init_geo(app) -> None:
    from diaspora.geo.geocoder import init_app as init_geocoder
    from diaspora.geo.maps import init_app as init_maps

    init_geocoder(app)
    init_maps(app)
