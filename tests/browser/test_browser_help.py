"""Mutual help in a real browser: a migrant asks for help in Russian with no account, a coordinator of an
association accepts the request, and the migrant's private page shows who accepted. Axe-core checks the
pages a person in distress goes through, and the offers' map shows an offer's popup."""
import re

import pytest
from sqlalchemy import select

from tests.assistance_helpers import CITIES, make_offer  # noqa: F401
from tests.browser.conftest import assert_accessible, close_popup, log_in, open_popup_containing

pytestmark = pytest.mark.browser
STORY = "Работодатель не платит зарплату три месяца и забрал паспорт."


def submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).click()


@pytest.fixture
def association(make_org, make_user):
    coordinator = make_user(email="coordinator@meken.example", name="Айжан")
    lat, lng = CITIES["Екатеринбург"]
    org_id = make_org(name="Мекен Екатеринбург", city="Екатеринбург", lat=lat, lng=lng,
                      categories=("legal-aid",), languages=("ky", "ru"), owner=coordinator)
    return org_id, coordinator


def test_migrant_asks_in_russian_a_coordinator_accepts_the_migrant_sees_who(new_page, association, db_query):
    org_id, coordinator = association
    migrant = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)  # a phone
    migrant.goto("/lang/ru?next=/help/ask")
    assert migrant.get_attribute("html", "lang") == "ru"
    assert_accessible(migrant)

    # first try without any way to reach them: told so, in Russian, and nothing typed is lost
    migrant.select_option("#category", "legal-aid")
    migrant.select_option("#country", "RU")
    migrant.fill("#city", "Екатеринбург")
    assert migrant.input_value("#language") == "ru"  # the language they read the site in
    migrant.check("#urgency-0")
    migrant.fill("#description", STORY)
    migrant.fill("#name", "Бакыт")
    migrant.check("#consent")
    submit(migrant)
    assert migrant.locator("#contact-error").is_visible()
    assert re.search("[а-яё]", migrant.locator("#contact-error").inner_text())
    assert migrant.input_value("#description") == STORY and migrant.input_value("#name") == "Бакыт"
    assert_accessible(migrant)

    migrant.fill("#phone", "+7 912 345 67 89")
    if not migrant.is_checked("#consent"):
        migrant.check("#consent")
    submit(migrant)
    assert "/h/" in migrant.url
    private_url = migrant.url.split("?")[0]
    reference = migrant.locator("#reference").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reference)
    assert migrant.locator("#private-link").inner_text().endswith(private_url.split("/h/")[1])
    assert migrant.locator("#accepted-by").count() == 0
    assert_accessible(migrant)

    # the coordinator sees the request without the person's contacts, and accepts it
    helper = new_page()
    helper.goto("/lang/en?next=/")
    log_in(helper, coordinator.email)
    helper.locator("nav.main-nav a[href='/help/coordination']").click()
    helper.wait_for_url("**/help/coordination")
    helper.locator(f"#requests a:text('{reference}')").click()
    helper.wait_for_url("**/help/requests/*")
    assert STORY in helper.locator("#description").inner_text()
    assert helper.locator("#contacts").count() == 0
    assert "+7 912 345 67 89" not in helper.content()
    submit(helper, f"#accept-{org_id}")
    assert "+7 912 345 67 89" in helper.locator("#contacts").inner_text()
    assert "Бакыт" in helper.locator("#contacts").inner_text()
    helper.fill("#body", "Здравствуйте! Позвоним вам сегодня до 18:00.")
    submit(helper, "form[action$='/message'] button[type=submit]")

    # the migrant's private page: who accepted, and the message
    migrant.goto(private_url)
    accepted = migrant.locator("#accepted-by")
    assert "Мекен Екатеринбург" in accepted.inner_text()
    assert "Позвоним вам сегодня до 18:00." in migrant.locator("#messages").inner_text()
    assert_accessible(migrant)

    from diaspora.models import HelpRequest

    state = db_query(lambda db: db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference)))
    assert (state.status, state.accepted_org_id, state.language) == ("accepted", org_id, "ru")


def test_offers_map_and_list_in_kyrgyz(page, association, make_offer):
    org_id, coordinator = association
    make_offer(org_id, coordinator.id, title="Эмгек акы боюнча акысыз кеңеш")
    page.goto("/lang/ky?next=/help")
    assert page.get_attribute("html", "lang") == "ky"
    assert "Эмгек акы боюнча акысыз кеңеш" in page.locator("ul.results").inner_text()
    popup = open_popup_containing(page, "Эмгек акы боюнча акысыз кеңеш", frame="#offers-map")
    assert "Мекен Екатеринбург" in popup.inner_text()
    close_popup(page)
    assert_accessible(page)
