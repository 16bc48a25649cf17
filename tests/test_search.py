"""Radius search: the bounding box must never lose a match, at the antimeridian, the poles, radius 0
and 20,000 km, and the database must answer as the brute-force great-circle scan does."""
import random

import pytest

from diaspora.directory.search import SearchParams, full_scan_nearest, nearest, search
from diaspora.geo.distance import bounding_boxes, haversine_km


def inside(boxes, lat, lng):
    return any(a <= lat <= b and c <= lng <= d for a, b, c, d in boxes)


@pytest.mark.parametrize("seed", range(5))
def test_bounding_boxes_contain_every_point_within_the_radius(seed):
    rng = random.Random(seed)
    for _ in range(2000):
        lat, lng = rng.uniform(-90, 90), rng.uniform(-180, 180)
        radius = rng.choice([0.0, 0.5, 10, 50, 500, 3000, 9000, 15000, 20000])
        boxes = bounding_boxes(lat, lng, radius)
        for _ in range(5):
            plat, plng = rng.uniform(-90, 90), rng.uniform(-180, 180)
            if abs(plat - lat) < 5 and rng.random() < 0.5:
                plng = lng + rng.uniform(-3, 3)
                plng = (plng + 180) % 360 - 180
            if haversine_km(lat, lng, plat, plng) <= radius:
                assert inside(boxes, plat, plng), (lat, lng, radius, plat, plng)


def test_antimeridian_box_is_split_in_two():
    boxes = bounding_boxes(0, 179.9, 50)
    assert len(boxes) == 2
    assert inside(boxes, 0, -179.9)
    assert not inside(boxes, 0, 0)


def test_box_over_a_pole_spans_every_longitude():
    assert bounding_boxes(89.9, 10, 50) == [(pytest.approx(89.45, abs=0.01), 90.0, -180.0, 180.0)]


def test_haversine_known_distances():
    assert haversine_km(55.7558, 37.6173, 42.8746, 74.5698) == pytest.approx(2990, rel=0.01)  # Moscow-Bishkek
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, rel=0.01)
    assert haversine_km(90, 0, 90, 123) == pytest.approx(0, abs=1e-6)


def run(app, **kwargs):
    with app.app_context():
        return [(org.name, distance) for org, distance in search(SearchParams(**kwargs)).items]


def test_search_across_the_antimeridian(app, make_org):
    make_org(name="Fiji East", city="Suva", country="FJ", lat=-16.5, lng=179.9)
    make_org(name="Fiji West", city="Lambasa", country="FJ", lat=-16.5, lng=-179.9)
    make_org(name="Far away", city="Nadi", country="FJ", lat=-16.5, lng=170.0)
    found = run(app, lat=-16.5, lng=179.9, radius_km=50)
    assert [name for name, _ in found] == ["Fiji East", "Fiji West"]
    assert found[0][1] == pytest.approx(0, abs=1e-6)
    assert found[1][1] == pytest.approx(21.3, abs=0.5)


def test_search_near_the_poles(app, make_org):
    make_org(name="Station A", city="Longyearbyen", country="SJ", lat=89.95, lng=0)
    make_org(name="Station B", city="Longyearbyen", country="SJ", lat=89.95, lng=180)
    make_org(name="South", city="McMurdo", country="AQ", lat=-89.9, lng=45)
    found = run(app, lat=90, lng=0, radius_km=20)
    assert sorted(name for name, _ in found) == ["Station A", "Station B"]
    assert [name for name, _ in run(app, lat=-90, lng=-100, radius_km=20)] == ["South"]


def test_radius_zero_finds_only_the_exact_point(app, make_org):
    make_org(name="Here", lat=55.7558, lng=37.6173)
    make_org(name="Next door", lat=55.7559, lng=37.6173)
    assert [name for name, _ in run(app, lat=55.7558, lng=37.6173, radius_km=0)] == ["Here"]


def test_radius_20000_km_finds_the_whole_world_sorted_by_distance(app, make_org):
    make_org(name="Moscow", lat=55.7558, lng=37.6173)
    make_org(name="Seoul", city="Seoul", country="KR", lat=37.5665, lng=126.978)
    make_org(name="Antipode", city="Wellington", country="NZ", lat=-41.29, lng=174.78)
    make_org(name="Bishkek", city="Bishkek", country="KG", lat=42.8746, lng=74.5698)
    found = run(app, lat=42.8746, lng=74.5698, radius_km=20000)
    assert [name for name, _ in found] == ["Bishkek", "Moscow", "Seoul", "Antipode"]
    distances = [d for _, d in found]
    assert distances == sorted(distances)


def test_ties_are_ordered_by_name_then_id(app, make_org):
    for name in ["Өмүр", "Акыл", "Нур"]:
        make_org(name=name, lat=40.0, lng=70.0)
    assert [name for name, _ in run(app, lat=40.0, lng=70.0, radius_km=1)] == ["Акыл", "Нур", "Өмүр"]


def test_index_search_equals_the_full_scan_on_random_data(app, make_org):
    rng = random.Random(7)
    for i in range(150):
        lat = rng.uniform(-89.9, 89.9)
        lng = rng.uniform(-180, 180)
        if i % 3 == 0:  # a cluster straddling the antimeridian
            lat, lng = rng.uniform(-20, 20), rng.choice([rng.uniform(175, 180), rng.uniform(-180, -175)])
        make_org(name=f"Org {i:03d}", lat=round(lat, 6), lng=round(lng, 6), categories=())
    with app.app_context():
        for _ in range(60):
            params = SearchParams(lat=rng.uniform(-90, 90), lng=rng.uniform(-180, 180),
                                  radius_km=rng.choice([0, 100, 800, 2500, 7000, 20000]))
            if rng.random() < 0.3:
                params.lat, params.lng = rng.uniform(-20, 20), rng.choice([179.99, -179.99])
            assert nearest(params) == full_scan_nearest(params)


def test_the_near_query_uses_the_geo_index(app):
    """With a realistic table, the bounding-box query reads the (status, latitude, longitude) index."""
    from sqlalchemy import insert, select

    from diaspora.database import utcnow
    from diaspora.directory.search import _box_condition, _filters
    from diaspora.extensions import db
    from diaspora.models import Organization

    rng = random.Random(3)
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(Organization), [
            {"name": f"Org {i}", "country": "RU", "city": "X", "status": "published", "sort_key": f"org {i}",
             "latitude": rng.uniform(-60, 70), "longitude": rng.uniform(-180, 180), "description": {},
             "location_source": "manual", "is_demo": False, "search_text": "", "dedupe_key": f"{i}",
             "created_at": now, "updated_at": now} for i in range(3000)])
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        params = SearchParams(lat=55.75, lng=37.61, radius_km=50)
        query = select(Organization.id, Organization.latitude, Organization.longitude, Organization.sort_key).where(
            *_filters(params), _box_condition(params.lat, params.lng, params.radius_km))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if db.engine.dialect.name == "sqlite" else "EXPLAIN"
        plan = " ".join(str(row) for row in db.session.execute(db.text(f"{explain} {compiled}")))
        assert "ix_organizations_status_geo" in plan, plan
