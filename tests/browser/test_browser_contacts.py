"""A migrant on a 320 px phone, in Kyrgyz, finds Russia's emergency number and can tap it (a tel: link); the
page never scrolls sideways; "near me" finds the country from the phone's position; axe-core finds no serious
violation on /contacts."""
import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
PHONE = {"width": 320, "height": 640}


@pytest.fixture
def contacts(app):
    """The seed's emergency numbers and the demo contacts, as `flask seed-contacts` and the demo add them."""
    from diaspora.contacts.demo import seed as seed_demo
    from diaspora.contacts.seed import seed_emergency_numbers
    from diaspora.extensions import db

    with app.app_context():
        seed_emergency_numbers()
        seed_demo()
        db.session.commit()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= 320")


def test_a_migrant_on_a_small_phone_finds_the_emergency_number_of_russia(new_page, contacts):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="ky-KG",
                    geolocation={"latitude": 56.8389, "longitude": 60.6057}, permissions=["geolocation"])
    page.goto("/lang/ky?next=/contacts")
    assert page.get_attribute("html", "lang") == "ky"
    assert no_sideways_scroll(page)
    page.select_option("#contacts-country", "RU")
    with page.expect_navigation():
        page.locator("#contacts-place button[type=submit]").click()
    call = page.locator('#national a[href="tel:112"]')
    assert call.count() == 1
    call.scroll_into_view_if_needed()
    assert call.is_visible() and call.is_enabled()
    box = call.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["height"] >= 44  # a thumb hits it
    # what is at the link's centre is the link itself: nothing covers it
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('a') ?.getAttribute('href')",
                        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit == "tel:112"
    assert "112" in call.inner_text()
    assert page.locator("#national").get_by_text("демо").count() >= 1  # the demo hotline says what it is
    assert no_sideways_scroll(page)
    assert_accessible(page)

    # "near me" from the phone's position (Yekaterinburg): Russia and the city's contacts
    page.goto("/contacts?country=KR")
    near_me = page.locator("#contacts-near-me")
    near_me.wait_for(state="visible")
    with page.expect_navigation():
        near_me.click()
    assert page.locator("#country-heading").inner_text().startswith("Россия")
    assert page.locator('#national a[href="tel:112"]').is_visible()
    assert no_sideways_scroll(page)

    # the home page remembers the country: its emergency number is there too, and fits the screen
    page.goto("/")
    assert page.locator('#country-contacts a[href="tel:112"]').first.is_visible()
    assert no_sideways_scroll(page)
