"""In Chromium, with CSRF on: an owner's change to a published entry waits for a moderator who approves it,
and an invited person logs in from the mailed link (with another account first) and accepts. axe-core
checks the new pages."""
import pytest
from sqlalchemy import select

from diaspora.models import Membership
from tests.browser.conftest import log_in
from tests.browser.test_browser_accessibility import assert_accessible
from tests.invitation_helpers import invitation_path

pytestmark = pytest.mark.browser


def test_a_change_waits_then_a_moderator_publishes_it(page, new_page, make_user, make_org):
    owner = make_user(email="owner@example.org")
    admin = make_user(email="moderator@example.org", is_admin=True)
    org_id = make_org(name="Ала-Тоо", owner=owner, website="https://ala-too.example")
    log_in(page, owner.email)
    page.goto(f"/lang/en?next=/organizations/{org_id}/edit")
    page.fill("#name", "Ала-Тоо <b>клубу</b>")
    page.fill("#website", "ala-too-club.example")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    card = page.locator("#changes-waiting")
    card.wait_for()
    assert "Ала-Тоо <b>клубу</b>" in card.inner_text() and "https://ala-too-club.example" in card.inner_text()
    assert page.locator("main h1").inner_text().strip() == "Ала-Тоо"  # the page itself is the published one
    assert_accessible(page)
    page.goto(f"/organizations/{org_id}/edit")
    assert page.input_value("#name") == "Ала-Тоо <b>клубу</b>"
    assert_accessible(page)

    visitor = new_page()
    visitor.goto(f"/organizations/{org_id}")
    assert visitor.locator("main h1").inner_text().strip() == "Ала-Тоо"
    assert visitor.locator("#changes-waiting").count() == 0

    moderator = new_page()
    log_in(moderator, admin.email)
    moderator.goto("/lang/en?next=/moderation/")
    assert moderator.locator("main table.changes td", has_text="Ала-Тоо <b>клубу</b>").count() == 1
    assert_accessible(moderator)
    with moderator.expect_navigation():
        moderator.locator("main form button", has_text="Publish the changes").click()
    visitor.goto(f"/organizations/{org_id}")
    assert visitor.locator("main h1").inner_text().strip() == "Ала-Тоо <b>клубу</b>"


def test_an_invited_person_logs_in_from_the_link_and_accepts(page, new_page, make_user, make_org, db_query):
    owner = make_user(email="owner@example.org")
    invitee = make_user(email="invitee@example.org")
    other = make_user(email="other@example.org")
    org_id = make_org(name="Ала-Тоо", owner=owner)
    log_in(page, owner.email)
    page.goto(f"/lang/en?next=/organizations/{org_id}/admins")
    assert_accessible(page)
    page.fill("#email", "invitee@example.org")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "invitee@example.org" in page.locator("#invitations").inner_text()

    person = new_page()
    path = invitation_path(db_query, "invitee@example.org")
    person.goto(path)
    assert_accessible(person)
    # logged in with another address first: told which address the invitation is for, and logged out back here
    with person.expect_navigation():
        person.locator("main a[href^='/auth/login']").click()
    person.fill("#email", other.email)
    person.fill("#password", "correct horse battery")
    with person.expect_navigation():
        person.locator("main form button[type=submit]").click()
    assert person.url.endswith(path)
    assert "This invitation is for invitee@example.org" in person.locator("#wrong-account").inner_text()
    assert_accessible(person)
    with person.expect_navigation():
        person.locator("main form button", has_text="Log out").click()
    assert person.url.endswith(path)
    with person.expect_navigation():
        person.locator("main a[href^='/auth/login']").click()
    person.fill("#email", invitee.email)
    person.fill("#password", "correct horse battery")
    with person.expect_navigation():
        person.locator("main form button[type=submit]").click()
    assert person.url.endswith(path)  # back at the invitation
    assert_accessible(person)
    with person.expect_navigation():
        person.locator("main form button[type=submit]").click()
    assert person.url.endswith(f"/organizations/{org_id}")
    role = db_query(lambda db: db.session.scalar(select(Membership.role).where(
        Membership.organization_id == org_id, Membership.user_id == invitee.id)))
    assert role == "admin"
