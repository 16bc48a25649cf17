"""Letters and travel in Chromium: an organizer fills the letters page, and a confirmed participant on a phone
reads "Getting there" and downloads the invitation letter."""
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import REGISTRANT
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser


def test_an_organizer_sets_letters_and_a_participant_downloads_one_on_a_phone(new_page, client, make_user,
                                                                               make_event, db_query):
    from diaspora.models import Registration

    slug = make_event(title="Мекендештер форуму", title_en="Mekendeshter Forum")
    admin = make_user(is_admin=True)
    page = new_page()
    page.goto("/lang/en?next=/")
    log_in(page, admin.email)
    page.goto(f"/events/{slug}/manage/letters")
    page.check("#offered")
    page.fill("#organization_name_en", "Mekendesh Association")
    page.fill("#signatory_name_en", "Nurbek Usonov")
    page.fill("#travel_directions_en", "Take **bus 121** from the airport.")
    with page.expect_navigation():
        page.locator("#letters-form button[type=submit]").click()
    assert page.locator(".flash-success").count() == 1
    assert page.locator("#signatory_name_en").input_value() == "Nurbek Usonov"
    assert_accessible(page)

    assert client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).status_code in (200, 201)
    token = db_query(lambda db: db.session.scalar(select(Registration.token)))
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, accept_downloads=True)
    phone.goto(f"/lang/en?next=/r/{token}")
    assert "bus 121" in phone.locator("#getting-there strong").inner_text()
    with phone.expect_navigation():
        phone.get_by_role("link", name="Get the invitation letter (PDF)").click()
    assert_accessible(phone)
    phone.select_option("#language", "en")
    phone.fill("#name_latin", "Aigul Toktogulova")
    phone.fill("#passport_number", "AC1234567")
    phone.fill("#birth_date", "1990-05-31")
    phone.select_option("#citizenship", "KG")
    with phone.expect_download() as download:
        phone.locator("#letter-form button[type=submit]").click()
    pdf = Path(download.value.path()).read_bytes()
    text = pdf_text(pdf)
    assert "AIGUL TOKTOGULOVA" in text and "Mekendeshter Forum" in text and "Nurbek Usonov" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
