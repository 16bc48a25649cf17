"""The directory map in a real browser: markers, popups, hostile names, searching near a place or near me."""
import re

import pytest

from tests.browser.conftest import assert_inside, close_popup, open_popup_containing, wait_for_markers

pytestmark = pytest.mark.browser

CITIES = {
    "moscow": ("Москва", "RU", 55.7558, 37.6173),
    "bishkek": ("Бишкек", "KG", 42.87, 74.59),
    "seoul": ("Сеул", "KR", 37.5665, 126.978),
}
DISTANCE = re.compile(r"\d[\d\s.,\u00a0\u202f]*\s?(km|км)")


@pytest.fixture
def three_orgs(make_org):
    names = {"moscow": "Москвадагы кыргыздар", "bishkek": "Бишкек мекендештер", "seoul": "Сеулдагы кыргыз коому"}
    ids = {}
    for key, (city, country, lat, lng) in CITIES.items():
        ids[key] = make_org(name=names[key], city=city, country=country, lat=lat, lng=lng)
    return names, ids


def test_markers_popup_and_link_to_the_page(page, watch, three_orgs):
    names, ids = three_orgs
    page.goto("/map")
    wait_for_markers(page, 1)
    assert page.locator("#directory-map .leaflet-marker-icon").count() >= 1

    popup = open_popup_containing(page, names["moscow"])
    text = popup.inner_text()
    assert names["moscow"] in text
    assert "Москва" in text
    # The whole popup is visible inside the map (its details arrive after it opened).
    assert_inside(page, ".leaflet-popup-content h3", "#directory-map", "the popup's name")
    assert_inside(page, ".leaflet-popup-close-button", "#directory-map", "the popup's close button")
    link = popup.locator("a")
    assert link.get_attribute("href").endswith(f"/organizations/{ids['moscow']}")

    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/organizations/{ids['moscow']}")
    assert names["moscow"] in page.locator("h1").inner_text()
    # Leaflet, the cluster plugin and the marker images all came from the app itself.
    assert watch.external == []


def test_every_association_is_on_the_map(page, three_orgs):
    names, _ = three_orgs
    page.goto("/map")
    wait_for_markers(page, 1)
    for name in names.values():
        open_popup_containing(page, name)
        close_popup(page)


HOSTILE_NAME = ('<img src=x onerror="window.__xss=1">${window.__xss2=1}`'
                '</script><script>window.__xss3=1</script>')
HOSTILE_CITY = '<img src=x onerror="window.__xss=1">Бишкек${window.__xss2=1}`</script><script>window.__xss3=1</script>'


def assert_no_script_ran(page, watch):
    for flag in ("__xss", "__xss2", "__xss3"):
        assert page.evaluate(f"typeof window.{flag}") == "undefined", flag
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert watch.dialogs == []


def test_hostile_name_stays_text(page, watch, make_org):
    org_id = make_org(name=HOSTILE_NAME, city=HOSTILE_CITY, country="KG", lat=42.87, lng=74.59)

    page.goto("/map")
    wait_for_markers(page, 1)
    popup = open_popup_containing(page, "<img src=x")
    text = popup.inner_text()
    assert HOSTILE_NAME in text
    assert "Бишкек${window.__xss2=1}`" in text
    assert popup.locator("img, script").count() == 0
    assert_no_script_ran(page, watch)
    results = page.locator("ol.results")
    assert HOSTILE_NAME in results.inner_text()

    page.goto(f"/organizations/{org_id}")
    assert HOSTILE_NAME in page.locator("h1").inner_text()
    assert "<img src=x" in page.locator("main").inner_text()
    assert "<img src=x" in page.title()
    # The small folium map: its marker's tooltip shows the name as text.
    marker = page.locator(".map-small .leaflet-marker-icon")
    marker.wait_for(state="visible")
    assert marker.get_attribute("alt") == HOSTILE_NAME
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().strip() == HOSTILE_NAME
    assert tooltip.locator("img, script").count() == 0
    assert_no_script_ran(page, watch)


def result_items(page):
    return page.locator("ol.results > li")


def test_search_near_a_city(page, three_orgs):
    names, _ = three_orgs
    page.goto("/map")
    page.fill("#near", "Москва")
    page.select_option("#radius_km", "100")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()
    assert "near=" in page.url and "radius_km=100" in page.url

    items = result_items(page)
    first = items.first.inner_text()
    assert names["moscow"] in first
    assert DISTANCE.search(items.first.locator(".distance").inner_text())
    listing = page.locator("ol.results").inner_text()
    assert names["seoul"] not in listing
    assert names["bishkek"] not in listing
    # The filters keep what was typed, and the map shows the match.
    assert page.input_value("#near") == "Москва"
    assert page.input_value("#radius_km") == "100"
    wait_for_markers(page, 1)


def test_search_near_a_city_with_a_larger_radius_sorts_by_distance(page, three_orgs):
    names, _ = three_orgs
    page.goto("/map")
    page.fill("#near", "Москва")
    page.select_option("#radius_km", "3000")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()
    items = result_items(page)
    # Moscow–Bishkek is ~2,900 km; Seoul (~6,600 km) is out of range.
    assert items.count() == 2
    assert names["moscow"] in items.nth(0).inner_text()
    assert names["bishkek"] in items.nth(1).inner_text()
    assert names["seoul"] not in page.locator("ol.results").inner_text()


def test_unknown_place_says_so(page, three_orgs):
    page.goto("/map")
    page.fill("#near", "Qwzxyvillezzz")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()
    error = page.locator("#near-error")
    assert error.is_visible()
    assert page.get_attribute("#near", "aria-invalid") == "true"
    assert "near-error" in page.get_attribute("#near", "aria-describedby")


def test_near_me_uses_the_browsers_location(new_page, three_orgs):
    names, _ = three_orgs
    page = new_page(geolocation={"latitude": 37.56, "longitude": 126.97}, permissions=["geolocation"])
    page.context.grant_permissions(["geolocation"])
    page.goto("/map")
    button = page.locator("#near-me")
    button.wait_for(state="visible")
    with page.expect_navigation():
        button.click()
    assert "lat=37.56" in page.url and "lng=126.97" in page.url
    items = result_items(page)
    assert names["seoul"] in items.first.inner_text()
    assert DISTANCE.search(items.first.locator(".distance").inner_text())
    assert names["moscow"] not in page.locator("ol.results").inner_text()


PHONES = [pytest.param({"width": 320, "height": 640}, id="320"), pytest.param({"width": 390, "height": 844}, id="390")]


def marker_count(page) -> int:
    return page.locator("#directory-map .leaflet-marker-icon").count()


@pytest.mark.parametrize("viewport", PHONES)
def test_on_a_phone_the_map_fills_the_first_screen_and_the_filters_open_over_it(new_page, three_orgs, viewport):
    names, _ = three_orgs
    page = new_page(viewport=viewport, has_touch=True, is_mobile=True)
    page.goto("/map")
    wait_for_markers(page, 1)  # three markers, or fewer clusters on a small screen
    box = page.locator("#directory-map").bounding_box()
    height = viewport["height"]
    visible = min(box["y"] + box["height"], height) - max(box["y"], 0)
    assert box["y"] < height and visible >= height / 2, box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert "3" in page.locator(".map-count").inner_text()
    assert page.locator(".chip").count() == 0
    # the filters are not in the way until asked for
    assert not page.locator("#country").is_visible()

    page.locator("#filters-toggle").tap()
    country = page.locator("#country")
    country.wait_for(state="visible")
    panel = page.locator("#filter-panel").bounding_box()
    assert panel["y"] < height and panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"] + 1
    for control in ("#country", "#filters button[type=submit]"):
        assert page.locator(control).bounding_box()["height"] >= 44, control
    country.select_option("KG")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").tap()
    assert "country=KG" in page.url

    wait_for_markers(page, 1)
    assert marker_count(page) == 1
    assert "1" in page.locator(".map-count").inner_text()
    assert names["bishkek"] in page.locator("ol.results").inner_text()
    assert names["moscow"] not in page.locator("ol.results").inner_text()
    chip = page.locator(".chip")
    assert chip.count() == 1 and chip.is_visible()
    box = page.locator("#directory-map").bounding_box()
    assert box["y"] < height and min(box["y"] + box["height"], height) - box["y"] >= height / 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the chip takes its filter away
    with page.expect_navigation():
        chip.tap()
    assert "country=" not in page.url
    wait_for_markers(page, 1)
    assert "3" in page.locator(".map-count").inner_text()
    assert page.locator(".chip").count() == 0


def test_on_a_phone_the_filter_panel_closes_again(new_page, three_orgs):
    page = new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.goto("/map")
    wait_for_markers(page, 1)
    toggle = page.locator("#filters-toggle")
    toggle.tap()
    page.locator("#near").wait_for(state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.locator("#filters-close").tap()
    page.locator("#near").wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#directory-map").is_visible()


def test_without_javascript_the_filters_stand_below_the_map(new_page, three_orgs):
    page = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page.goto("/map")
    assert page.locator("#country").is_visible()
    assert page.locator("#directory-map").bounding_box()["y"] < page.locator("#filters").bounding_box()["y"]
    # what needs the script stays out of sight
    assert not page.locator("#near-me").is_visible() and not page.locator("#filters-close").is_visible()
    page.locator("#country").select_option("KR")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()
    names, _ = three_orgs
    assert names["seoul"] in page.locator("ol.results").inner_text()
    assert page.locator(".chip").count() == 1
