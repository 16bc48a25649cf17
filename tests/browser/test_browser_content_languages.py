"""Content in a language the interface does not speak: with CONTENT_LANGUAGES=ky,ru,en,kk an organizer gives an
event a Kazakh title through the form; a browser asking for Kazakh reads it (inside the Kyrgyz interface), a
Russian reader gets the fallback with a discreet note, and the API carries every language."""
import pytest

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser

KK_TITLE = "Отандастар форумы"
KY_TITLE = "Мекендештер форуму"


@pytest.fixture(autouse=True)
def _kazakh_content(app_config):
    app_config.update(CONTENT_LANGUAGES="ky,ru,en,kk")


def submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).click()


def create_event_in_kazakh(page, make_user) -> str:
    """Through the form, as a site admin reading the site in English; returns the published event's slug."""
    admin = make_user(is_admin=True)
    page.goto("/lang/en?next=/")
    log_in(page, admin.email)
    page.goto("/events/new")
    # one group of fields per content language, named as Babel names the language
    legends = page.locator("fieldset.language-group legend").all_inner_texts()
    assert len(legends) == 4 and any("Kazakh" in legend for legend in legends), legends
    assert page.get_attribute("#title_kk", "lang") == "kk"
    page.fill("#title_kk", KK_TITLE)
    page.fill("#description_kk", "Шетелдегі отандастар кездесуі.")
    page.fill("#venue_name_kk", "Конференция залы")
    page.fill("#title_ky", KY_TITLE)
    page.fill("#starts_at", "2030-06-15T09:00")
    page.fill("#ends_at", "2030-06-15T18:00")
    page.fill("#city", "Бишкек")
    page.select_option("#country", "KG")
    assert_accessible(page)
    submit(page)
    assert "/manage" in page.url, page.locator("main").inner_text()
    slug = page.url.split("/events/")[1].split("/")[0]
    submit(page, f"form[action$='/events/{slug}/manage/publish'] button")
    return slug


def test_a_kazakh_title_reaches_kazakh_readers_and_others_get_the_fallback(new_page, make_user):
    organizer = new_page()
    slug = create_event_in_kazakh(organizer, make_user)

    # A browser asking for Kazakh: the interface stays in one of its catalogs, the content is Kazakh.
    kazakh = new_page(locale="kk-KZ", extra_http_headers={"Accept-Language": "kk"})
    kazakh.goto(f"/events/{slug}")
    assert kazakh.get_attribute("html", "lang") != "kk"
    heading = kazakh.locator("h1")
    assert heading.inner_text() == KK_TITLE
    assert heading.get_attribute("lang") == "kk"
    assert kazakh.locator(".content-language").count() == 0  # their own language: nothing to say
    assert kazakh.locator(".description").inner_text().strip() == "Шетелдегі отандастар кездесуі."
    kazakh.goto("/events")
    link = kazakh.locator(f"a[href='/events/{slug}']")
    assert link.inner_text() == KK_TITLE and link.get_attribute("lang") == "kk"

    # A Russian reader: no Russian title, so the fallback (Kyrgyz first), marked and said discreetly.
    russian = new_page(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    russian.goto(f"/events/{slug}")
    assert russian.get_attribute("html", "lang") == "ru"
    heading = russian.locator("h1")
    assert heading.inner_text() == KY_TITLE
    assert heading.get_attribute("lang") == "ky"
    note = russian.locator(".content-language")
    assert note.count() == 1 and note.is_visible()
    assert_accessible(russian)

    # The API: title keeps its {ky, ru, en} shape; translations carry every language, Kazakh too.
    response = kazakh.request.get("/api/v1/events")
    assert response.ok
    (event,) = [e for e in response.json()["events"] if e["slug"] == slug]
    assert event["title"] == {"ky": KY_TITLE, "ru": None, "en": None}
    assert event["translations"]["title"] == {"kk": KK_TITLE, "ky": KY_TITLE}
    assert event["translations"]["venue_name"] == {"kk": "Конференция залы"}
    assert event["venue"]["name"] == "Конференция залы"  # asked in Kazakh (Accept-Language)
    asked = kazakh.request.get("/api/v1/events?lang=ru").json()["events"]
    assert [e["venue"]["name"] for e in asked if e["slug"] == slug] == ["Конференция залы"]  # the only one
