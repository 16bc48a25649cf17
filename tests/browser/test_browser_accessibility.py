"""axe-core on the main pages (no serious or critical violation), a phone-size /map, and the keyboard."""
import pytest

from tests.browser.conftest import assert_accessible, log_in, reveal_map, wait_for_markers

pytestmark = pytest.mark.browser

@pytest.fixture
def sample_org(make_org):
    return make_org(name="Кыргыз биримдиги", city="Москва", country="RU", website="https://example.org",
                    email="info@example.org", description="Жардам: иш, документтер.\nКурстар.")


def wait_ready(page, path):
    """Wait for what the page builds after loading (maps), so axe sees what a person sees."""
    if path.startswith("/map"):
        wait_for_markers(page, 1)
    elif path.startswith("/organizations/new"):
        page.locator("#pin-picker").wait_for(state="visible")
    elif path.startswith("/organizations/"):
        reveal_map(page, ".map-small")
        page.locator(".map-small .leaflet-marker-icon").wait_for(state="visible")


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
@pytest.mark.parametrize("path", ["/", "/map"])
def test_home_and_map_in_each_language(page, sample_org, lang, path):
    page.goto(f"/lang/{lang}?next={path}")
    assert page.url.endswith(path)
    assert page.get_attribute("html", "lang") == lang
    wait_ready(page, path)
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/organizations/{org}", "/auth/login", "/auth/signup", "/auth/signup/sent",
                                  "/api", "/map?near=Москва&radius_km=100"])
def test_public_pages(page, sample_org, path):
    path = path.format(org=sample_org)
    page.goto(path)
    wait_ready(page, path)
    assert_accessible(page)


def test_pages_with_errors_shown(page, sample_org):
    """Forms after a failed submit: error messages must keep contrast and stay tied to their fields."""
    page.goto("/auth/signup")
    page.fill("#email", "not-an-email")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".error").count() >= 1
    assert_accessible(page)
    page.goto("/map?near=Qwzxyvillezzz")
    assert_accessible(page)


def test_registration_form(page, make_user):
    user = make_user()
    log_in(page, user.email)
    page.goto("/organizations/new")
    wait_ready(page, "/organizations/new")
    assert_accessible(page)


def test_moderation_and_pending_page(page, make_user, make_org):
    admin = make_user(is_admin=True)
    pending = make_org(name="Жаңы коом", status="pending")
    log_in(page, admin.email)
    page.goto("/moderation/")
    assert page.locator(f"main a[href$='/organizations/{pending}']").count() >= 1
    assert_accessible(page)
    page.goto(f"/organizations/{pending}")
    wait_ready(page, f"/organizations/{pending}")
    assert_accessible(page)


def test_phone_sized_map(new_page, sample_org):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto("/map")
    wait_for_markers(page, 1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    # The filters open over the map; every field fits the screen and can be used with a finger.
    page.locator("#filters-toggle").tap()
    page.locator("#near").wait_for(state="visible")
    assert_accessible(page)
    for selector in ("#near", "#radius_km", "#q", "#country", "#language", "#filters button[type=submit]"):
        box = page.locator(selector).bounding_box()
        assert box, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
        assert box["height"] >= 24, (selector, box)
    map_box = page.locator("#directory-map").bounding_box()
    assert map_box["width"] <= 390 and map_box["height"] >= 200
    page.locator("#near").tap()
    page.fill("#near", "Москва")
    page.select_option("#radius_km", "100")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").tap()
    assert "Кыргыз биримдиги" in page.locator("ol.results > li").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className || '', href: e.getAttribute('href'),
                visible: !!(e.offsetWidth || e.offsetHeight), left: e.getBoundingClientRect().left}; }""")


def test_keyboard_skip_link_and_filters(page, sample_org):
    page.goto("/map")
    wait_for_markers(page, 1)
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"] and first["href"] == "#main", first
    assert first["left"] >= 0, "the skip link must become visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert focused(page)["id"] == "main", "the skip link moves the keyboard focus to the content"

    wanted = {"near", "radius_km", "near-me", "q", "country", "language"}
    reached = []
    page.goto("/map")
    wait_for_markers(page, 1)
    for _ in range(80):
        page.keyboard.press("Tab")
        here = focused(page)
        reached.append(here["id"] or here["tag"])
        if wanted <= set(reached) and here["tag"] == "summary":
            break
    assert wanted <= set(reached), f"not reachable with Tab: {wanted - set(reached)} (order: {reached})"
    order = [i for i in reached if i in wanted]
    assert order.index("near") < order.index("radius_km") < order.index("q"), order

    # The services list opens from the keyboard, and a checkbox can be ticked with Space.
    assert reached[-1] == "summary"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    here = focused(page)
    assert here["tag"] == "input", here
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    # And the form submits with Enter from a text field.
    page.locator("#q").focus()
    page.keyboard.type("Кыргыз")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=" in page.url


def test_map_markers_are_reachable_with_the_keyboard(page, sample_org):
    page.goto("/map")
    wait_for_markers(page, 1)
    marker = page.locator("#directory-map .leaflet-marker-icon").first
    marker.focus()
    assert marker.get_attribute("alt")
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content a").wait_for(state="visible")
    assert "Кыргыз биримдиги" in page.locator(".leaflet-popup-content").inner_text()
