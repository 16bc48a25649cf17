"""A door volunteer with the check-in role, on a phone: checks someone in by typing the code, sees the name,
status and sessions and no contacts, and is refused the registrations list."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, log_in
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
    assert_accessible(page)

    response = page.goto(f"/events/{slug}/manage/registrations")
    assert response is not None and response.status == 403
    assert REGISTRANT["full_name"] not in page.locator("main").inner_text()
    settle(page)


def settle(page):
    """Wait until the page asked for nothing more (its icons): leaving earlier drops those requests."""
    page.wait_for_load_state("networkidle")


def test_an_organizer_builds_the_team_on_its_page(page, make_user, make_event):
    slug = make_event(title="Мекендештер")
    staff = make_user(name="Каттоочу")
    admin = make_user(is_admin=True)
    page.goto("/lang/en?next=/")
    log_in(page, admin.email)
    page.goto(f"/events/{slug}/manage/team")
    settle(page)
    page.fill("#email", "not-an-address")
    with page.expect_navigation():
        page.locator("#team-add button[type=submit]").click()
    settle(page)
    assert page.locator("#team-add .error").count() >= 1 and page.input_value("#email") == "not-an-address"
    page.fill("#email", staff.email)
    page.select_option("#role", "registrations")
    with page.expect_navigation():
        page.locator("#team-add button[type=submit]").click()
    settle(page)
    member = page.locator("#team-members li")
    assert member.count() == 1 and "Каттоочу" in member.inner_text()
    assert member.locator("select").input_value() == "registrations"
    assert_accessible(page)
    member.locator("select").select_option("checkin")
    with page.expect_navigation():
        member.get_by_role("button", name="Change the role").click()
    assert page.locator("#team-members li select").input_value() == "checkin"
    settle(page)
