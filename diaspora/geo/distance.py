"""Great-circle distances and the bounding boxes that let a radius search use an index."""
import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), as geopy's great_circle uses
MAX_RADIUS_KM = 20000.0


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_boxes(lat: float, lng: float, radius_km: float) -> list[tuple[float, float, float, float]]:
    """Boxes (lat_min, lat_max, lng_min, lng_max) that together contain every point within radius_km.

    The longitude half-width grows as the circle nears a pole (J. Matuschek, "Finding points within a
    distance of a latitude/longitude"); a circle over a pole spans every longitude; a box crossing the
    antimeridian is split in two. A small margin absorbs floating-point error at the edges.
    """
    angular = radius_km / EARTH_RADIUS_KM
    margin = 1e-9
    lat_r = math.radians(lat)
    lat_min = math.degrees(lat_r - angular) - margin
    lat_max = math.degrees(lat_r + angular) + margin
    if lat_min <= -90 or lat_max >= 90 or angular >= math.pi / 2:
        return [(max(lat_min, -90.0), min(lat_max, 90.0), -180.0, 180.0)]
    dlng = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(lat_r)))) + margin
    lng_min, lng_max = lng - dlng, lng + dlng
    if dlng >= 180:
        return [(lat_min, lat_max, -180.0, 180.0)]
    if lng_min < -180:
        return [(lat_min, lat_max, lng_min + 360, 180.0), (lat_min, lat_max, -180.0, lng_max)]
    if lng_max > 180:
        return [(lat_min, lat_max, lng_min, 180.0), (lat_min, lat_max, -180.0, lng_max - 360)]
    return [(lat_min, lat_max, lng_min, lng_max)]
