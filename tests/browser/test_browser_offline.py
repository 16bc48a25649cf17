"""Issue 9's migrant, end to end on a 320 px phone in Kyrgyz: finds Russia's emergency number (a tel: link),
reads a guide, saves the country for offline, and reads the guide and the numbers again with the network
switched off; a page that was not saved says so and lists what was."""
import pytest

from tests.browser.conftest import assert_accessible
from tests.guide_helpers import make_guide  # noqa: F401

pytestmark = pytest.mark.browser
PHONE = {"width": 320, "height": 640}


@pytest.fixture
def contacts(app):
    from diaspora.contacts.seed import seed_emergency_numbers
    from diaspora.extensions import db

    with app.app_context():
        seed_emergency_numbers()
        db.session.commit()


def test_a_migrant_saves_russia_for_offline_and_reads_it_without_a_connection(new_page, contacts, make_guide):
    make_guide(titles={"ky": "Айлык төлөнбөсө эмне кылуу керек", "ru": "Если не платят зарплату"},
               bodies={"ky": "## Далилдерди чогултуңуз\n\nКелишимди сактаңыз.", "ru": "## Доказательства"})
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="ky-KG", service_workers="allow")
    page.goto("/lang/ky?next=/contacts")
    page.select_option("#contacts-country", "RU")
    with page.expect_navigation():
        page.locator("#contacts-place button[type=submit]").click()
    contacts_url = page.url
    call = page.locator('#national a[href="tel:112"]')
    call.scroll_into_view_if_needed()
    assert call.is_visible()

    page.goto("/guides?country=RU")
    with page.expect_navigation():
        page.get_by_role("link", name="Айлык төлөнбөсө эмне кылуу керек").click()
    guide_url = page.url
    assert page.locator("#guide-title").inner_text() == "Айлык төлөнбөсө эмне кылуу керек"
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the worker that reads the saved copies
    page.get_by_role("button", name="Интернетсиз окуу үчүн сактоо").click()
    status = page.locator("[data-offline-status]")
    status.filter(has_text="Бул телефонго сакталды").wait_for()
    assert_accessible(page)

    page.context.set_offline(True)
    page.goto(guide_url)
    assert page.locator("#guide-title").inner_text() == "Айлык төлөнбөсө эмне кылуу керек"
    assert "Далилдерди чогултуңуз" in page.locator(".guide-body").inner_text()
    page.goto(contacts_url)  # as the country form sent it, empty search included
    assert page.locator('#national a[href="tel:112"]').is_visible()
    page.goto("/events")  # never saved: the offline page, with what was
    assert page.locator("[data-offline-notice]").is_visible()
    saved = page.locator("[data-offline-list] a")
    assert "Айлык төлөнбөсө эмне кылуу керек" in saved.all_inner_texts()
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    page.context.set_offline(False)
    page.goto("/offline")  # the list of saved pages, online
    page.locator("[data-offline-list] a").first.wait_for()
    assert_accessible(page)
