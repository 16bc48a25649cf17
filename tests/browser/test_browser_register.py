"""Signing up and registering an association in a real browser, the pin placed by clicking the small map."""
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

NAME = "Ыңтымак — Өнүгүү үйү"


def submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_sign_up_then_register_an_association(page, db_query):
    page.goto("/auth/signup")
    page.fill("#name", "Айгүл Өмүрбекова")
    page.fill("#email", "aigul@example.org")
    submit(page)
    assert page.url.endswith("/auth/signup/sent"), page.locator("main").inner_text()
    # the link mailed to the address leads to choosing the password, which creates the account
    from diaspora.models import OutboxMessage

    body = db_query(lambda db: db.session.scalar(select(OutboxMessage.body_text)))
    page.goto(re.search(r"https?://[^/\s]+(/auth/signup/\S+)", body).group(1))
    page.fill("#password", DEFAULT_PASSWORD)
    page.fill("#password2", DEFAULT_PASSWORD)
    submit(page)
    assert "/auth/signup" not in page.url, page.locator("main").inner_text()
    # Logged in: the header offers "log out" (a form posting to /auth/logout).
    assert page.locator("header form[action$='/auth/logout']").count() == 1

    page.goto("/organizations/new")
    page.fill("#name", NAME)
    page.fill("#description_ky", "Жаңы келгендерге жардам: иш, документтер, тил курстары.")
    page.select_option("#country", "KG")
    page.fill("#city", "Бишкек")
    page.locator("input[name=categories]").first.check()
    checked = page.locator("input[name=categories]").first.get_attribute("value")
    for code in ("ky", "ru"):  # checkboxes (a phone has no Ctrl-click for a multiple select)
        page.locator(f"#languages input[value={code}]").check()

    # The pin picker replaces typing coordinates: a click fills both fields.
    picker = page.locator("#pin-picker")
    picker.wait_for(state="visible")
    assert page.input_value("#latitude") == "" and page.input_value("#longitude") == ""
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.45})
    lat, lng = page.input_value("#latitude"), page.input_value("#longitude")
    assert re.fullmatch(r"-?\d+\.\d+", lat) and re.fullmatch(r"-?\d+\.\d+", lng), (lat, lng)
    assert -90 <= float(lat) <= 90 and -180 <= float(lng) <= 180
    assert picker.locator(".leaflet-marker-icon").count() == 1

    submit(page)
    assert re.search(r"/organizations/\d+$", page.url), page.locator("main").inner_text()
    assert NAME in page.locator("h1").inner_text()
    # The confirmation a person sees: a thank-you message and the "waiting for moderation" status.
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge-pending").is_visible()
    assert "Бишкек" in page.locator("main").inner_text()

    from diaspora.models import Organization

    org_id = int(page.url.rsplit("/", 1)[1])

    def stored(db):
        org = db.session.scalar(select(Organization).where(Organization.id == org_id))
        return org.name, org.status, org.country, org.latitude, org.longitude, org.category_slugs, org.languages

    name, status, country, o_lat, o_lng, categories, languages = db_query(stored)
    assert (name, status, country) == (NAME, "pending", "KG")
    assert o_lat == pytest.approx(float(lat), abs=1e-5) and o_lng == pytest.approx(float(lng), abs=1e-5)
    assert categories == [checked]
    assert sorted(languages) == ["ky", "ru"]


def test_registering_needs_an_account_and_keeps_the_way_back(page, make_user):
    user = make_user(email="owner@example.org")
    page.goto("/organizations/new")
    assert "/auth/login" in page.url
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    submit(page)
    assert page.url.endswith("/organizations/new")
    assert page.locator("#pin-picker").is_visible()


def test_a_missing_field_is_explained_next_to_it(page, make_user):
    user = make_user()
    log_in(page, user.email)
    page.goto("/organizations/new")
    page.fill("#name", NAME)
    submit(page)
    assert page.url.endswith("/organizations/new")
    # What was typed is kept, and each error is tied to its field.
    assert page.input_value("#name") == NAME
    for field in ("country", "city"):
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
        assert f"{field}-error" in page.get_attribute(f"#{field}", "aria-describedby")
        assert page.locator(f"#{field}-error").is_visible()
    assert page.locator("#form-errors").is_visible()
