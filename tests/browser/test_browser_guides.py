"""A migrant on a 320 px phone, in Kyrgyz, finds the guides of Russia and reads one; both pages fit the screen,
print without the site's navigation, and axe-core finds no serious violation."""
import pytest

from tests.browser.conftest import assert_accessible
from tests.guide_helpers import make_guide  # noqa: F401

pytestmark = pytest.mark.browser

LONG_URL = "https://example.org/" + "a-very-long-address-without-any-break-" * 4
BODY_KY = (f"## Далилдерди чогултуңуз\n\nКелишимди сактаңыз: {LONG_URL}\n\n"
           f"[Маалымат]({LONG_URL})\n\n| Документ | Эмне үчүн | Кайда сакталат | Эскертүү |\n|---|---|---|---|\n"
           "| Келишим | Айлыкты далилдөө үчүн | Телефондо жана булутта | Түп нускасын бербеңиз |\n")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_migrant_in_kyrgyz_reads_a_guide_on_a_small_phone(new_page, make_guide):
    make_guide(titles={"ky": "Айлык төлөнбөсө эмне кылуу керек", "ru": "Если не платят зарплату"},
               bodies={"ky": BODY_KY, "ru": "## Доказательства\n\nСохраните договор."},
               summaries={"ky": "Далилдер жана кайда кайрылуу керек."})
    make_guide(country="KZ", topic="housing", titles={"ky": "Казакстанда батир"}, bodies={"ky": "Текст"})
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True)

    page.goto("/lang/ky?next=/guides")
    assert page.get_attribute("html", "lang") == "ky"
    page.select_option("#country", "RU")
    with page.expect_navigation():
        page.locator("#guide-filters button[type=submit]").click()
    results = page.locator(".guide-list")
    assert "Айлык төлөнбөсө" in results.inner_text() and "Казакстанда" not in results.inner_text()
    assert no_horizontal_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Айлык төлөнбөсө эмне кылуу керек").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Айлык төлөнбөсө эмне кылуу керек"
    assert page.locator("#reviewed").is_visible()
    assert no_horizontal_scroll(page)
    assert page.locator(".guide-body .table-scroll").count() == 1  # a wide table scrolls in its own box
    assert_accessible(page)

    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".site-footer").is_hidden()
    assert page.get_by_role("heading", level=1).is_visible()
