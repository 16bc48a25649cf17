"""A reviewer logs in, opens the event's projects from "Manage", scores and comments a proposal and sees the
review saved; the author's contacts are nowhere on the reviewer's pages."""
import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import REGISTRANT

pytestmark = pytest.mark.browser


def test_a_reviewer_scores_and_comments_a_project(new_page, client, make_user, make_event, db_query):
    from diaspora.events import services
    from diaspora.models import EventTeamMember, Project, ProjectReview

    slug = make_event(title="Мекендештер")
    registration_id = client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).get_json()["id"]
    reviewer = make_user(name="Рецензент")

    def add_to_team(db):  # the author's page and the organizer's Team page do this (tests/test_event_projects.py)
        event_id = services.event_by_slug(slug).id
        db.session.add(Project(event_id=event_id, registration_id=registration_id, title="Кургатылган жемиш цехи",
                               home_region="osh", sector="agriculture", stage="plan", amount=120000,
                               summary="Өрүк кургатуу цехи."))
        db.session.add(EventTeamMember(event_id=event_id, user_id=reviewer.id, email=reviewer.email,
                                       role="reviewer"))
        db.session.commit()
    db_query(add_to_team)

    page = new_page()
    page.goto("/lang/en?next=/")
    log_in(page, reviewer.email)
    page.goto(f"/events/{slug}")
    with page.expect_navigation():
        page.get_by_role("link", name="Manage").click()
    assert page.url.endswith(f"/events/{slug}/manage/projects")
    with page.expect_navigation():
        page.get_by_role("link", name="Кургатылган жемиш цехи").click()
    assert "Өрүк кургатуу цехи." in page.locator("#summary").inner_text()
    main = page.locator("main").inner_text()
    assert REGISTRANT["email"] not in main and "912 000" not in main and REGISTRANT["full_name"] not in main
    page.get_by_label("Score").select_option("4")
    page.get_by_label("Comment for the organizers and other reviewers").fill("Жакшы план, рынок бар.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the review").click()
    assert "Your review is saved." in page.locator("main").inner_text()
    assert page.get_by_label("Score").input_value() == "4"
    assert page.get_by_label("Comment for the organizers and other reviewers").input_value() == "Жакшы план, рынок бар."
    assert "4 of 5" in page.locator("#my-saved-review").inner_text()
    assert_accessible(page)
    review = db_query(lambda db: db.session.scalar(select(ProjectReview)))
    assert (review.score, review.comment, review.reviewer_id) == (4, "Жакшы план, рынок бар.", reviewer.id)
    page.goto(f"/events/{slug}/manage/projects")
    assert page.locator("td.average").inner_text() == "4.0" and page.locator("td.reviews").inner_text() == "1"
    assert_accessible(page)
    assert db_query(lambda db: db.session.scalar(select(Project.status))) == "submitted"
    page.wait_for_load_state("networkidle")
