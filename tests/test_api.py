"""Public API v1: GeoJSON of published associations, filters, near search, errors with the field."""
import pytest


@pytest.fixture
def directory(make_org, make_user):
    owner = make_user()
    ids = {
        "moscow": make_org(name="КЫРГЫЗ БИРИМДИГИ", city="Москва", lat=55.7558, lng=37.6173,
                           categories=("adaptation", "legal-aid"), languages=("ky", "ru"), owner=owner,
                           email="info@example.org", telegram="kyrgyz_msk"),
        "ekb": make_org(name="Урал-Ата", city="Екатеринбург", lat=56.8389, lng=60.6057,
                        categories=("legal-aid", "employment"), languages=("ky", "ru")),
        "seoul": make_org(name="Kyrgyz Community Seoul", city="Seoul", country="KR", lat=37.5665, lng=126.978,
                          categories=("employment",), languages=("ky", "ko")),
        "almaty": make_org(name="Ала-Тоо", city="Алматы", country="KZ", lat=43.2389, lng=76.8897,
                           categories=("culture",), languages=("kk",)),
        "pending": make_org(name="Кыргыз жаштары", city="Москва", lat=55.75, lng=37.62, status="pending"),
        "rejected": make_org(name="Кыргыз spam", city="Москва", lat=55.75, lng=37.62, status="rejected"),
    }
    return ids


def names(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [f["properties"]["name"] for f in response.get_json()["features"]]


def test_lists_published_associations_as_geojson_sorted_by_name(client, directory):
    response = client.get("/api/v1/organizations")
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["total"] == 4
    assert names(response) == ["Kyrgyz Community Seoul", "Ала-Тоо", "КЫРГЫЗ БИРИМДИГИ", "Урал-Ата"]
    feature = next(f for f in body["features"] if f["id"] == directory["moscow"])
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [37.6173, 55.7558]}
    props = feature["properties"]
    assert props["id"] == directory["moscow"]
    assert props["city"] == "Москва" and props["country"] == "RU"
    assert props["categories"] == ["adaptation", "legal-aid"]
    assert props["languages"] == ["ky", "ru"]
    assert props["url"].endswith(f"/organizations/{directory['moscow']}")
    assert props["distance_km"] is None
    assert props["contacts"]["telegram"] == "kyrgyz_msk"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unpublished_entries_never_appear(client, directory):
    text = client.get("/api/v1/organizations?q=кыргыз").get_data(as_text=True)
    assert "жаштары" not in text and "spam" not in text
    assert client.get(f"/api/v1/organizations/{directory['pending']}").status_code == 404
    assert client.get(f"/api/v1/organizations/{directory['rejected']}").status_code == 404
    assert client.get("/api/v1/organizations/999999").get_json()["error"]["message"]


def test_one_feature(client, directory):
    body = client.get(f"/api/v1/organizations/{directory['ekb']}").get_json()
    assert body["type"] == "Feature" and body["properties"]["name"] == "Урал-Ата"


def test_text_search_is_unicode_case_insensitive(client, directory):
    assert names(client.get("/api/v1/organizations?q=кыргыз")) == ["КЫРГЫЗ БИРИМДИГИ"]
    assert names(client.get("/api/v1/organizations?q=БИРИМ")) == ["КЫРГЫЗ БИРИМДИГИ"]
    assert names(client.get("/api/v1/organizations?q=урал")) == ["Урал-Ата"]
    assert names(client.get("/api/v1/organizations?q=екатеринбург")) == ["Урал-Ата"]
    assert names(client.get("/api/v1/organizations?q=SEOUL")) == ["Kyrgyz Community Seoul"]
    assert names(client.get("/api/v1/organizations?q=%25")) == []  # LIKE wildcards are literal
    assert names(client.get("/api/v1/organizations?q=_")) == []


def test_filters_country_category_language(client, directory):
    assert names(client.get("/api/v1/organizations?country=ru")) == ["КЫРГЫЗ БИРИМДИГИ", "Урал-Ата"]
    assert names(client.get("/api/v1/organizations?category=legal-aid")) == ["КЫРГЫЗ БИРИМДИГИ", "Урал-Ата"]
    assert names(client.get("/api/v1/organizations?category=legal-aid&category=employment")) == ["Урал-Ата"]
    assert names(client.get("/api/v1/organizations?language=ko")) == ["Kyrgyz Community Seoul"]
    assert names(client.get("/api/v1/organizations?language=kk&country=KZ")) == ["Ала-Тоо"]


def test_near_a_point_sorts_by_distance_and_gives_it(client, directory):
    response = client.get("/api/v1/organizations?lat=55.75&lng=37.62&radius_km=2000")
    assert names(response) == ["КЫРГЫЗ БИРИМДИГИ", "Урал-Ата"]
    distances = [f["properties"]["distance_km"] for f in response.get_json()["features"]]
    assert distances[0] < 1 and 1300 < distances[1] < 1450


def test_near_a_place_name(client, directory):
    assert names(client.get("/api/v1/organizations?near=Екатеринбург&radius_km=100")) == ["Урал-Ата"]
    assert names(client.get("/api/v1/organizations?near=Seoul")) == ["Kyrgyz Community Seoul"]
    assert names(client.get("/api/v1/organizations?near=Moscow&radius_km=20000"))[0] == "КЫРГЫЗ БИРИМДИГИ"


def test_default_radius_is_50_km(client, directory):
    assert names(client.get("/api/v1/organizations?lat=56.3&lng=37.6")) == []  # ~61 km north
    assert names(client.get("/api/v1/organizations?lat=56.3&lng=37.6&radius_km=70")) == ["КЫРГЫЗ БИРИМДИГИ"]


def test_paging_with_limit_and_offset(client, directory):
    first = client.get("/api/v1/organizations?limit=2").get_json()
    second = client.get("/api/v1/organizations?limit=2&offset=2").get_json()
    assert first["total"] == second["total"] == 4
    assert [f["id"] for f in first["features"]] + [f["id"] for f in second["features"]] == [
        f["id"] for f in client.get("/api/v1/organizations").get_json()["features"]]
    assert client.get("/api/v1/organizations?offset=100").get_json()["features"] == []


@pytest.mark.parametrize("query, field", [
    ("lat=abc&lng=1", "lat"),
    ("lat=91&lng=0", "lat"),
    ("lat=10&lng=181", "lng"),
    ("lat=10", "lng"),
    ("lng=10", "lat"),
    ("lat=nan&lng=0", "lat"),
    ("lat=1&lng=1&radius_km=-1", "radius_km"),
    ("lat=1&lng=1&radius_km=20001", "radius_km"),
    ("radius_km=abc", "radius_km"),
    ("limit=1000000000", "limit"),
    ("limit=0", "limit"),
    ("limit=x", "limit"),
    ("offset=-5", "offset"),
    ("offset=99999999999999999999999", "offset"),
    ("country=ZZZ", "country"),
    ("country=ZZ", "country"),
    ("language=xx", "language"),
    ("category=no-such-service", "category"),
    ("near=Nowhereville%20Qqq", "near"),
    ("near=Moscow&lat=1&lng=1", "near"),
    ("q=" + "x" * 201, "q"),
])
def test_bad_parameters_give_400_with_the_field(client, directory, query, field):
    response = client.get(f"/api/v1/organizations?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field
    assert error["message"]


def test_radius_bounds_are_accepted(client, directory):
    assert client.get("/api/v1/organizations?lat=1&lng=1&radius_km=0").status_code == 200
    assert client.get("/api/v1/organizations?lat=1&lng=1&radius_km=20000").get_json()["total"] == 4
    assert client.get("/api/v1/organizations?limit=1000").status_code == 200


def test_openapi_description_is_generated_from_the_code(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    listing = spec["paths"]["/api/v1/organizations"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"q", "country", "category", "language", "lat", "lng", "radius_km", "near", "limit", "offset"} <= params
    assert "400" in listing["responses"] and "200" in listing["responses"]
    assert "/api/v1/organizations/{org_id}" in spec["paths"]


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"]
