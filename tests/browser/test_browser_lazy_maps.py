"""A map beside a page's purpose (an event's venue, an association's pin) costs a phone nothing until it comes
near the screen (issue 12): no Leaflet is asked for when the page loads, and scrolling to the map draws it,
with its label, under the page's Content Security Policy (the map's script allowed by its hash)."""
import pytest

from tests.browser.conftest import reveal_map

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("kind", ["event", "organization"])
def test_the_map_loads_when_it_comes_into_view(new_page, make_event, make_org, kind):
    description = "\n\n".join(["Программа форума: пленардык жыйын, секциялар, долбоорлор."] * 12)
    if kind == "event":
        path = "/events/" + make_event(title="Мекендештер", venue_name="Ала-Тоо", descriptions={"ky": description})
    else:
        path = f"/organizations/{make_org(name='Ынтымак', city='Бишкек', country='KG', description=description)}"
    page = new_page(**PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(path)
    page.wait_for_load_state("load")
    box = page.locator(".map-small").first.bounding_box()
    assert box is not None and box["y"] > 844, "the map should start below the first screen for this test"
    assert not [url for url in asked if "/vendor/leaflet/" in url and url.endswith(".js")], asked

    reveal_map(page, ".map-small")
    marker = page.locator(".map-small .leaflet-marker-icon").first
    marker.wait_for(state="visible")
    assert marker.get_attribute("alt") in ("Ала-Тоо", "Ынтымак")
    assert [url for url in asked if "/vendor/leaflet/" in url and url.endswith(".js")]
    assert page.evaluate("window.__pageErrors") == []
