"""/map: filters, near search, the list, popups, escaping, local assets, and the size budget."""
import json
import re

import pytest


def map_layers(page: str) -> list[dict]:
    """The JSON blocks beside the maps (what static/js/map-layers.js puts on them with textContent)."""
    blocks = re.findall(r'<script type="application/json" class="map-layers">(.*?)</script>', page, re.S)
    return [json.loads(block) for block in blocks]


def inline_scripts(page: str) -> str:
    """Every script the page runs inline."""
    return "\n".join(re.findall(r'<script(?: nonce="[^"]*")?>(.*?)</script>', page, re.S))


def map_data(page: str) -> list:
    match = re.search(r"var data = (\[.*?\]);", page, re.S)
    assert match, "no marker data on the page"
    return json.loads(match.group(1))


@pytest.fixture
def orgs(make_org):
    return {
        "msk": make_org(name="Москва биримдиги", city="Москва", lat=55.7558, lng=37.6173,
                        categories=("legal-aid",), languages=("ky", "ru")),
        "msk2": make_org(name="Ала-Тоо Подмосковье", city="Химки", lat=55.8970, lng=37.4297,
                         categories=("culture",), languages=("ky",)),
        "seoul": make_org(name="Seoul Kyrgyz", city="Seoul", country="KR", lat=37.5665, lng=126.978,
                          categories=("employment",), languages=("ko",)),
        "pending": make_org(name="Waiting", status="pending", lat=55.75, lng=37.61),
        "nowhere": make_org(name="No pin", lat=None, lng=None, city="Qqqzzz"),
    }


def test_map_shows_every_published_association_with_a_position(client, orgs):
    page = client.get("/map").get_data(as_text=True)
    ids = sorted(row[2] for row in map_data(page))
    assert ids == sorted([orgs["msk"], orgs["msk2"], orgs["seoul"]])
    assert "L.markerClusterGroup" in page


def test_map_page_carries_no_names_only_coordinates_and_ids(client, orgs):
    page = client.get("/map").get_data(as_text=True)
    script = page[page.index("var data"):]
    assert "Seoul Kyrgyz" not in script and "Москва биримдиги" not in script
    # the list under the map names them, as text
    assert "Seoul Kyrgyz" in page


def test_assets_are_served_by_the_app_not_a_cdn(client, orgs):
    page = client.get("/map").get_data(as_text=True)
    for src in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page):
        assert src.startswith("/static/"), src
        with client.get(src) as response:  # closed: a static file is streamed from an open file
            assert response.status_code == 200, src
    assert "cdn" not in page.lower() and "unpkg" not in page and "jsdelivr" not in page
    assert 'user-scalable=no' not in page  # folium's full-page header is not used: people may zoom


def test_tiles_come_from_the_setting(app, orgs):
    app.config["TILES_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    app.config["TILES_ATTRIBUTION"] = "© Example tiles"
    page = app.test_client().get("/map").get_data(as_text=True)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in page and "Example tiles" in page


def test_filters_narrow_the_map_and_the_list(client, orgs):
    page = client.get("/map?country=KR").get_data(as_text=True)
    assert [row[2] for row in map_data(page)] == [orgs["seoul"]]
    page = client.get("/map?category=culture").get_data(as_text=True)
    assert [row[2] for row in map_data(page)] == [orgs["msk2"]]
    page = client.get("/map?language=ru").get_data(as_text=True)
    assert [row[2] for row in map_data(page)] == [orgs["msk"]]
    page = client.get("/map?q=БИРИМДИГИ").get_data(as_text=True)
    assert [row[2] for row in map_data(page)] == [orgs["msk"]]


def test_near_a_place_lists_the_nearest_first_with_km(client, orgs):
    page = client.get("/map?near=Москва&radius_km=50", headers={"Accept-Language": "en"}).get_data(as_text=True)
    listed = re.findall(r'<h3><a href="/organizations/(\d+)">', page)
    assert [int(i) for i in listed] == [orgs["msk"], orgs["msk2"]]
    distances = re.findall(r'class="distance">([\d.,\s\xa0]+) km', page)
    assert len(distances) == 2 and float(distances[0].replace(",", ".")) < 5
    assert sorted(row[2] for row in map_data(page)) == sorted([orgs["msk"], orgs["msk2"]])
    assert "L.circle(" in page


def test_near_me_uses_the_browser_position(client, orgs):
    page = client.get("/map?lat=37.56&lng=126.97&radius_km=25").get_data(as_text=True)
    assert [row[2] for row in map_data(page)] == [orgs["seoul"]]


def test_an_unknown_place_says_so_and_keeps_the_text(client, orgs):
    page = client.get("/map?near=Qqqxxyy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "could not find this place" in page
    assert 'value="Qqqxxyy"' in page


def test_bad_filter_values_give_messages_not_errors(client, orgs):
    response = client.get("/map?radius_km=abc&country=XX&lat=999&lng=x&category=nope",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="error"') >= 3


def test_list_is_paged(client, make_org):
    for i in range(25):
        make_org(name=f"Org {i:02d}", lat=40 + i / 100, lng=70)
    first = client.get("/map").get_data(as_text=True)
    second = client.get("/map?page=2").get_data(as_text=True)
    assert "Org 00" in first and "Org 19" in first and "Org 20" not in first
    assert "Org 20" in second and "Org 24" in second
    assert len(map_data(first)) == 25  # the map shows every match, the list pages them


def test_popup_json_is_localised_and_public_only(client, orgs):
    data = client.get(f"/map/popup/{orgs['msk']}", headers={"Accept-Language": "ru"}).get_json()
    assert data["name"] == "Москва биримдиги"
    assert data["place"] == "Москва, Россия"
    assert data["services"] == ["Юридическая помощь"]
    assert data["url"] == f"/organizations/{orgs['msk']}"
    assert client.get(f"/map/popup/{orgs['pending']}").status_code == 404
    assert client.get("/map/popup/99999").status_code == 404


def test_demo_entries_are_marked_everywhere(client, make_org):
    org_id = make_org(name="Demo club", is_demo=True)
    assert client.get(f"/map/popup/{org_id}").get_json()["demo"]
    assert "badge-demo" in client.get("/map").get_data(as_text=True)
    assert "badge-demo" in client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert client.get(f"/api/v1/organizations/{org_id}").get_json()["properties"]["demo"] is True


def test_hostile_name_in_the_small_map_travels_as_json_data(client, make_org):
    name = "`${alert(document.domain)}`</script><script>alert(1)</script>{{ 7*7 }}"
    org_id = make_org(name=name)
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    layers = map_layers(page)
    assert layers[0]["pins"][0]["label"] == name
    assert "<script>alert(1)</script>" not in page
    script = inline_scripts(page)
    # 7*7 never computed: no 49 of its own (folium's element ids are random hex, which may hold "49")
    assert "alert" not in script and "{{" not in script and not re.search(r"\b49\b", script)


def test_map_helpers_refuse_folium_elements_that_carry_text(app):
    import folium

    from diaspora.geo import maps

    fmap = maps._base_map([0, 0], 3, None, "")
    folium.Marker([0, 0], tooltip="{{ 7*7 }}").add_to(fmap)
    with pytest.raises(TypeError, match="labels travel as JSON"):
        maps._parts(fmap)


def test_map_stays_small_with_many_associations(app, client):
    """About 25 bytes per association: 2,000 of them add well under 60 KB to the page."""
    from sqlalchemy import insert

    from diaspora.database import utcnow
    from diaspora.extensions import db
    from diaspora.models import Organization

    now = utcnow()
    empty = len(client.get("/map").data)
    with app.app_context():
        db.session.execute(insert(Organization), [
            {"name": f"Кыргыз коому {i}", "country": "RU", "city": "Москва", "status": "published",
             "latitude": 40 + (i % 300) / 7.0, "longitude": -170 + (i % 977) / 3.0, "description": {},
             "location_source": "manual", "is_demo": False, "search_text": "", "sort_key": f"{i}",
             "dedupe_key": f"{i}", "created_at": now, "updated_at": now} for i in range(2000)])
        db.session.commit()
    full = len(client.get("/map").data)
    per_org = (full - empty) / 2000
    assert per_org <= 60, per_org


def test_tile_servers_are_not_told_which_page_was_open(client):
    response = client.get("/map?near=Москва")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_content_security_policy_allows_the_configured_tiles(app_config, request):
    app_config.update(TILES_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    app = request.getfixturevalue("app")  # made after the setting (the policy is built at start-up), and disposed
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org" in policy


HUGE = "99999999999999999999999"


@pytest.mark.parametrize("url, status", [
    ("/map?endpoint=x&_anchor=y&_method=z&page=2", 200),
    (f"/map?page={HUGE}", 200),
    (f"/organizations/{HUGE}", 404),
    (f"/organizations/{HUGE}/edit", 404),
    (f"/map/popup/{HUGE}", 404),
    (f"/api/v1/organizations/{HUGE}", 404),
    ("/organizations/0", 404),
    ("/map?q=%00", 400),
    ("/api/v1/organizations?q=a%00b", 400),
    ("/map?near=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0%00", 400),
])
def test_odd_requests_get_an_answer_not_a_500(client, make_org, url, status):
    for i in range(25):
        make_org(name=f"Org {i:02d}", lat=40 + i / 100, lng=70)
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if url.startswith("/api/"):
        assert response.get_json()["error"]["message"]


def test_posting_a_nul_character_is_refused_politely(client, make_org):
    org_id = make_org()
    response = client.post(f"/organizations/{org_id}/report", data={"reason": "wrong", "message": "a\x00b"})
    assert response.status_code == 400


def test_pager_links_keep_the_filters_only(client, make_org):
    for i in range(25):
        make_org(name=f"Org {i:02d}", lat=40 + i / 100, lng=70, categories=("legal-aid",))
    page = client.get("/map?category=legal-aid&endpoint=evil").get_data(as_text=True)
    assert 'href="/map?category=legal-aid&amp;page=2#results"' in page


def test_a_place_in_another_country_than_the_filter_is_still_found(client, make_org):
    make_org(name="Moscow club", lat=55.7558, lng=37.6173)
    body = client.get("/api/v1/organizations?near=Москва&country=RU").get_json()
    assert body["total"] == 1
    # Ош is in Kyrgyzstan: asked with country=RU we still centre on Osh (and find nothing near it in RU)
    assert client.get("/api/v1/organizations?near=Ош&country=RU").status_code == 200


def test_api_errors_are_in_english_whatever_the_page_language(client):
    client.get("/lang/ky")
    body = client.get("/api/v1/nothing-here").get_json()
    assert body["error"]["message"] == "This page does not exist, or it is not public."


def test_active_filters_show_as_chips_that_remove_themselves(client, orgs):
    page = client.get("/map?country=RU&category=culture&category=legal-aid&q=Ala",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    chips = {label.strip(): href for href, label in
             re.findall(r'<a class="chip" href="([^"]*)"\s+aria-label="[^"]*">([^<]*)<svg', page)}
    assert chips == {
        "“Ala”": "/map?country=RU&amp;category=culture&amp;category=legal-aid",
        "Russia": "/map?q=Ala&amp;category=culture&amp;category=legal-aid",
        "Culture": "/map?q=Ala&amp;country=RU&amp;category=legal-aid",
        "Legal aid": "/map?q=Ala&amp;country=RU&amp;category=culture",
    }, chips
    assert "Filters (4)" in page
    russian = client.get("/map?q=Ala", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert re.search(r'<a class="chip" href="/map"\s+aria-label="[^"]*">«Ala»', russian)  # its own quotation marks
    near = client.get("/map?near=Москва&radius_km=100", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'<a class="chip" href="/map"\s+aria-label="[^"]*">Москва, 100 km', near)
    assert 'class="chip"' not in client.get("/map").get_data(as_text=True)
