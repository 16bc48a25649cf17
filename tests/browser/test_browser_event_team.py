"""A door volunteer with the check-in role, on a phone: checks someone in by typing the code, sees the name,
status and sessions and no contacts, and is refused the registrations list."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.conftest import REGISTRANT

pytestmark = pytest.mark.browser


def test_a_checkin_volunteer_at_the_door_on_a_phone(new_page, client, make_user, make_event, db_query):
    from diaspora.events import services
    from diaspora.models import EventTeamMember, Registration

    slug = make_event(title="Мекендештер", sessions=[{"title": "Инвестиция"}])

    sessions = db_query(lambda db: [s.id for s in services.event_by_slug(slug).sessions])
    assert client.post(f"/api/v1/events/{slug}/registrations",
                       json={**REGISTRANT, "sessions": sessions}).status_code in (200, 201)
    code = db_query(lambda db: db.session.scalar(select(Registration.code)))
    volunteer = make_user(name="Эшик")

    def add_to_team(db):  # the organizer's Team page does this (tests/test_event_team.py)
        db.session.add(EventTeamMember(event_id=services.event_by_slug(slug).id, user_id=volunteer.id,
                                       email=volunteer.email, role="checkin"))
        db.session.commit()
    db_query(add_to_team)

    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/lang/en?next=/")
    log_in(page, volunteer.email)
    page.goto(f"/events/{slug}")
    with page.expect_navigation():
        page.get_by_role("link", name="Manage").click()
    assert page.url.endswith(f"/events/{slug}/manage/checkin")
    assert page.get_by_role("link", name="Registrations").count() == 0  # not offered
    page.locator("#code").press_sequentially(code.lower())
    with page.expect_navigation():
        page.locator("#code").press("Enter")
    main = page.locator("main").inner_text()
    assert REGISTRANT["full_name"] in page.locator("#checkin-result").inner_text()
    assert "Confirmed" in page.locator("#checkin-status").inner_text()
    assert "Инвестиция" in page.locator("#checkin-sessions").inner_text()
    assert REGISTRANT["email"] not in main and "912 000" not in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on the phone

    response = page.goto(f"/events/{slug}/manage/registrations")
    assert response is not None and response.status == 403
    assert REGISTRANT["full_name"] not in page.locator("main").inner_text()
