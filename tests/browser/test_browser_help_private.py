"""The way back to a request on a 320 px phone, in Kyrgyz: the confirmation shows the private link (wrapped,
with a copy button and a QR code) and the PIN; the link is copied; later, the reference and the PIN open the
private page. No page scrolls sideways, and axe-core finds nothing serious."""
import re

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
WIDTH = 320
STORY = "Жумуш берүүчү үч айдан бери айлык төлөбөй, паспортумду алып койду."


def submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).click()


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide on a {WIDTH} px screen"


def test_a_migrant_keeps_the_link_and_comes_back_with_the_reference_and_pin(new_page):
    phone = new_page(viewport={"width": WIDTH, "height": 640}, is_mobile=True, has_touch=True,
                     permissions=["clipboard-read", "clipboard-write"])
    phone.goto("/lang/ky?next=/help/ask")
    phone.select_option("#category", "legal-aid")
    phone.select_option("#country", "RU")
    phone.fill("#city", "Екатеринбург")
    phone.check("#urgency-0")
    phone.fill("#description", STORY)
    phone.fill("#phone", "+7 912 345 67 89")
    phone.check("#consent")
    submit(phone)
    assert "/h/" in phone.url and "new=1" in phone.url
    private_path = "/h/" + phone.url.split("/h/")[1].split("?")[0]

    # the confirmation: the whole link, the PIN, the QR code; nothing wider than the screen
    link = phone.locator("#private-link")
    assert link.inner_text().strip().endswith(private_path)
    pin = phone.locator("#pin").inner_text()
    assert re.fullmatch(r"\d{6}", pin)
    reference = phone.locator("#reference").inner_text()
    qr = phone.locator("#way-back svg[role=img]")
    assert qr.is_visible() and qr.bounding_box()["width"] <= WIDTH
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    no_sideways_scroll(phone)
    # nobody helps in Yekaterinburg yet: the page says a coordinator is looking
    assert phone.locator("#status-text").inner_text().strip()

    copy = phone.locator("#copy-link")
    copy.click()
    copied = copy.get_attribute("data-copied")
    phone.wait_for_function("(text) => document.querySelector('#copy-link').textContent === text", arg=copied)
    assert phone.evaluate("navigator.clipboard.readText()").strip() == link.inner_text().strip()
    assert_accessible(phone)

    # the private page itself, later: the PIN is not shown again
    phone.goto(private_path)
    assert phone.locator("#pin").count() == 0
    assert phone.locator("#private-link").is_visible()
    no_sideways_scroll(phone)
    assert_accessible(phone)

    # without the link: the reference and the PIN
    phone.goto("/help/find")
    no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.fill("#reference", reference.lower())
    phone.fill("#pin", pin)
    submit(phone)
    assert phone.url.endswith(private_path)
    assert phone.locator("#reference").inner_text() == reference
    no_sideways_scroll(phone)
