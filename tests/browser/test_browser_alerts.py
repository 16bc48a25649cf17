"""Alerts in a real browser, on a phone, in Russian: a mistake is told next to its field, then the subscription is
made and the page says to check the mail; axe-core checks the form, its errors and the confirmation page."""
import pytest
from sqlalchemy import func, select

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_subscribe_on_a_phone_in_russian(new_page, db_query):
    from diaspora.models import AlertSubscription

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/lang/ru?next=/alerts")
    assert page.get_attribute("html", "lang") == "ru"
    assert_accessible(page)

    page.fill("#email", "айгүл@")
    page.fill("#near", "Екатеринбург")
    submit(page)
    assert "Введите правильный адрес электронной почты." in page.locator("#email-error").inner_text()
    assert page.input_value("#near") == "Екатеринбург"  # nothing typed is lost
    assert_accessible(page)

    page.fill("#email", "aigul@example.org")
    page.select_option("#radius_km", "100")
    submit(page)
    assert page.url.endswith("/alerts/sent")
    assert page.locator("h1").inner_text() == "Проверьте почту"
    assert_accessible(page)
    count = db_query(lambda db: db.session.scalar(select(func.count()).select_from(AlertSubscription)))
    assert count == 1
