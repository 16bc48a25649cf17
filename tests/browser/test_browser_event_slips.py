"""Two of issue 10's slips where a person clicks: cancelling a registration on a 320 px phone in Kyrgyz goes
through a confirmation page; the organizer moves the venue's pin on the event form's map."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_accessible
from tests.browser.test_browser_events import api_register, as_organizer, registrations, submit

pytestmark = pytest.mark.browser


def test_cancelling_on_a_small_phone_in_kyrgyz_asks_first(new_page, client, make_event, db_query):
    slug = make_event(capacity=1)
    token = api_register(client, slug)["manage_url"].rsplit("/", 1)[1]
    api_register(client, slug, email="next@example.org")  # waitlisted: gets the place
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page.goto(f"/lang/ky?next=/r/{token}")
    assert page.get_attribute("html", "lang") == "ky"
    with page.expect_navigation():
        page.locator("#cancel-registration").tap()
    assert page.url.endswith(f"/r/{token}/cancel")
    assert page.locator("#consequences").is_visible() and page.locator("#consequences li").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for selector in ("#confirm-cancel", "main form a.button"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["height"] >= 40, (selector, box)
    assert [r.status for r in registrations(db_query, slug)] == ["confirmed", "waitlisted"]  # nothing yet
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#confirm-cancel").tap()
    assert page.url.endswith(f"/r/{token}")
    assert page.locator(".flash-success").is_visible() and page.locator("#cancel-registration").count() == 0
    assert [r.status for r in registrations(db_query, slug)] == ["cancelled", "confirmed"]

    from diaspora.models import OutboxMessage

    kinds = db_query(lambda db: db.session.scalars(select(OutboxMessage.kind)).all())
    assert "registration_cancelled" in kinds


def test_the_organizer_moves_the_venue_pin_on_the_map(page, make_user, make_event, db_query):
    from diaspora.models import Event

    slug = make_event()
    as_organizer(page, make_user)
    page.goto(f"/events/{slug}/manage/edit")
    picker = page.locator("#pin-picker")
    picker.wait_for(state="visible")
    assert picker.locator(".leaflet-marker-icon").count() == 1  # the pin where the city put it
    before = float(page.input_value("#longitude"))
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.85, "y": box["height"] / 2})  # east of the pin
    assert float(page.input_value("#longitude")) > before
    moved = (float(page.input_value("#latitude")), float(page.input_value("#longitude")))
    submit(page, "main form button[type=submit]")
    position = db_query(lambda db: db.session.scalar(select(Event).where(Event.slug == slug)).position)
    assert position == pytest.approx(moved, abs=1e-6)
