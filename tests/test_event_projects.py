"""Project proposals through HTTP: the author submits, changes and withdraws them from the private page;
reviewers score and comment without seeing contacts; organizers decide (a reason to decline) and the author is
mailed; accepted, consented projects are public (page, list, API); the dashboard counts them; the export is
formula-safe; hostile titles stay text."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from diaspora.models import OutboxMessage, Project, ProjectReview, Registration
from tests.conftest import REGISTRANT
from tests.test_export_formulas import assert_no_formula_cell

HOSTILE = '<script>alert(1)</script>{{ 7*7 }}'
PROJECT = {"title": "Кургатылган жемиш цехи", "home_region": "osh", "district": "Кара-Суу", "sector": "agriculture",
           "stage": "plan", "amount": "120000", "currency": "USD",
           "summary": "Өрүк кургатуу цехи.\nЭкспорт.", "contact_consent": "y", "public_consent": "y"}


def api_register(client, slug, **fields):
    response = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def token_of(manage_url: str) -> str:
    return manage_url.rsplit("/r/", 1)[1]


def project_ids(db_query):
    return db_query(lambda db: db.session.scalars(select(Project.id).order_by(Project.id)).all())


def add_member(client, slug, email, role):
    return client.post(f"/events/{slug}/manage/team", data={"email": email, "role": role})


@pytest.fixture
def forum(client, make_event, make_user, login):
    """An event with a session, a participant (private link), a reviewer and a team organizer."""
    slug = make_event(title="Мекендештер", sessions=[{"title": "Инвестиция жана бизнес"}])
    admin, reviewer, organizer = make_user(is_admin=True), make_user(name="Рецензент"), make_user()
    login(admin)
    add_member(client, slug, reviewer.email, "reviewer")
    add_member(client, slug, organizer.email, "organizer")
    client.post("/auth/logout")
    token = token_of(api_register(client, slug)["manage_url"])
    return {"slug": slug, "token": token, "admin": admin, "reviewer": reviewer, "organizer": organizer}


def submit(client, token, **fields):
    return client.post(f"/r/{token}/projects/new", data={**PROJECT, **fields})


def test_the_registration_form_no_longer_asks_for_a_project_but_the_private_page_offers_it(client, forum):
    page = client.get(f"/events/{forum['slug']}/register").get_data(as_text=True)
    assert 'name="project_title"' not in page
    private = client.get(f"/r/{forum['token']}").get_data(as_text=True)
    assert f'href="/r/{forum["token"]}/projects/new"' in private


def test_the_author_submits_changes_and_withdraws(client, forum, db_query):
    token = forum["token"]
    response = submit(client, token)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/r/{token}#projects")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Кургатылган жемиш цехи" in page and "120\u00a0000 USD" in page
    (project_id,) = project_ids(db_query)
    edited = client.post(f"/r/{token}/projects/{project_id}/edit", data={**PROJECT, "title": "Жаңгак цехи"})
    assert edited.status_code == 302
    project = db_query(lambda db: db.session.get(Project, project_id))
    assert project.title == "Жаңгак цехи" and project.amount == 120000 and project.status == "submitted"
    assert project.contact_consent and project.public_consent and project.registration_id is not None
    # withdrawing asks first: only the confirmation's "yes" withdraws
    confirm = client.get(f"/r/{token}/projects/{project_id}/withdraw").get_data(as_text=True)
    assert "Жаңгак цехи" in confirm and 'name="confirm" value="yes"' in confirm
    assert client.post(f"/r/{token}/projects/{project_id}/withdraw").status_code == 200
    assert db_query(lambda db: db.session.get(Project, project_id).status) == "submitted"
    assert client.post(f"/r/{token}/projects/{project_id}/withdraw", data={"confirm": "yes"}).status_code == 302
    assert db_query(lambda db: db.session.get(Project, project_id).status) == "withdrawn"
    # a withdrawn proposal cannot be changed any more; another participant's link reaches nothing
    client.post(f"/r/{token}/projects/{project_id}/edit", data={**PROJECT, "title": "Башка"})
    assert db_query(lambda db: db.session.get(Project, project_id).title) == "Жаңгак цехи"
    other = token_of(api_register(client, forum["slug"], email="other@example.org")["manage_url"])
    assert client.get(f"/r/{other}/projects/{project_id}/edit").status_code == 404
    assert client.post(f"/r/{other}/projects/{project_id}/withdraw", data={"confirm": "yes"}).status_code == 404


@pytest.mark.parametrize("lang, words", [("ru", "Выберите из списка"), ("ky", "Тизмеден тандаңыз")])
def test_a_proposal_with_mistakes_names_each_field_in_the_readers_language(client, forum, db_query, lang, words):
    response = client.post(f"/r/{forum['token']}/projects/new", headers={"Accept-Language": lang}, data={
        **PROJECT, "title": "", "home_region": "atlantis", "amount": "-5", "summary": "Бир нерсе"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-error"' in page and 'id="home_region-error"' in page and 'id="amount-error"' in page
    assert words in page and "Бир нерсе" in page  # what was typed stays
    assert project_ids(db_query) == []


def test_a_reviewer_scores_and_comments_but_cannot_decide_or_see_contacts(client, forum, login, db_query):
    slug = forum["slug"]
    submit(client, forum["token"])
    (project_id,) = project_ids(db_query)
    login(forum["reviewer"])
    listing = client.get(f"/events/{slug}/manage/projects").get_data(as_text=True)
    assert "Кургатылган жемиш цехи" in listing
    detail = client.get(f"/events/{slug}/manage/projects/{project_id}").get_data(as_text=True)
    assert "Өрүк кургатуу цехи." in detail
    assert REGISTRANT["email"] not in detail and "912" not in detail and REGISTRANT["full_name"] not in detail
    assert 'id="decision"' not in detail
    bad = client.post(f"/events/{slug}/manage/projects/{project_id}/review", data={"score": "9", "comment": "x"})
    assert bad.status_code == 422 and 'id="score-error"' in bad.get_data(as_text=True)
    saved = client.post(f"/events/{slug}/manage/projects/{project_id}/review",
                        data={"score": "4", "comment": "Жакшы <b>план</b>"})
    assert saved.status_code == 302
    client.post(f"/events/{slug}/manage/projects/{project_id}/review", data={"score": "5", "comment": "Мыкты"})
    reviews = db_query(lambda db: [(r.score, r.comment) for r in db.session.scalars(select(ProjectReview))])
    assert reviews == [(5, "Мыкты")]  # one per reviewer, changed in place
    assert client.post(f"/events/{slug}/manage/projects/{project_id}/decide",
                       data={"decision": "accept"}).status_code == 403
    assert client.get(f"/events/{slug}/manage/projects.csv").status_code == 403
    assert db_query(lambda db: db.session.get(Project, project_id).status) == "submitted"
    # the public page's "Manage" leads the reviewer to the projects
    assert f'href="/events/{slug}/manage/projects"' in client.get(f"/events/{slug}").get_data(as_text=True)
    client.post("/auth/logout")
    login(forum["organizer"])
    listing = client.get(f"/events/{slug}/manage/projects").get_data(as_text=True)
    row = re.search(rf'<tr id="row-{project_id}">.*?</tr>', listing, re.S).group(0)
    assert '<td class="average">5.0</td>' in row and '<td class="reviews">1</td>' in row
    detail = client.get(f"/events/{slug}/manage/projects/{project_id}").get_data(as_text=True)
    assert REGISTRANT["email"] in detail and "Мыкты" in detail and "Рецензент" in detail


def _decision_mails(db_query):
    return db_query(lambda db: [(m.kind, m.to_address, m.locale, m.subject, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("project_%")).order_by(OutboxMessage.id))])


def test_organizers_decide_a_reason_is_needed_to_decline_and_the_author_is_mailed(client, forum, login, db_query):
    slug = forum["slug"]
    submit(client, forum["token"])
    submit(client, forum["token"], title="Экинчи долбоор")
    first, second = project_ids(db_query)
    login(forum["organizer"])
    refused = client.post(f"/events/{slug}/manage/projects/{second}/decide", data={"decision": "decline"},
                          headers={"Accept-Language": "ru"})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert "Это поле обязательно." in refused.get_data(as_text=True)
    assert _decision_mails(db_query) == []
    assert client.post(f"/events/{slug}/manage/projects/{second}/decide",
                       data={"decision": "decline", "reason": "Инвестор жок"}).status_code == 302
    assert client.post(f"/events/{slug}/manage/projects/{first}/decide",
                       data={"decision": "accept", "reason": ""}).status_code == 302
    declined, accepted = _decision_mails(db_query)
    assert declined[0] == "project_declined" and declined[1] == REGISTRANT["email"] and declined[2] == "ky"
    assert "Экинчи долбоор" in declined[3] and "Инвестор жок" in declined[4] and f"/r/{forum['token']}" in declined[4]
    assert accepted[0] == "project_accepted" and "Кургатылган жемиш цехи" in accepted[3]
    # the author sees the decision and the reason
    private = client.get(f"/r/{forum['token']}").get_data(as_text=True)
    assert "Инвестор жок" in private
    # deciding the same again tells nobody twice
    client.post(f"/events/{slug}/manage/projects/{first}/decide", data={"decision": "accept"})
    assert len(_decision_mails(db_query)) == 2


def test_public_listing_only_accepted_and_consented_by_region_and_under_the_session(client, forum, login,
                                                                                   db_query, event_ids):
    slug = forum["slug"]
    submit(client, forum["token"], title="Ачык долбоор", home_region="batken", sector="it")
    submit(client, forum["token"], title="Жашыруун долбоор", public_consent="")
    submit(client, forum["token"], title="Каралбаган долбоор")
    listed, hidden, _waiting = project_ids(db_query)
    login(forum["organizer"])
    for project_id in (listed, hidden):
        client.post(f"/events/{slug}/manage/projects/{project_id}/decide", data={"decision": "accept"})
    (session_id,), _questions = event_ids(slug)
    assert client.post(f"/events/{slug}/manage/projects/{listed}/session",
                       data={"session_id": str(session_id)}).status_code == 302
    client.post("/auth/logout")
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "Ачык долбоор" in page and "Жашыруун долбоор" not in page and "Каралбаган долбоор" not in page
    assert "Batken" in page or "Баткен" in page
    assert REGISTRANT["full_name"] not in page and REGISTRANT["email"] not in page
    programme = page.split('id="projects"')[0]
    assert "Ачык долбоор" in programme  # under its session, in the programme
    assert "Ачык долбоор" in client.get(f"/events/{slug}/projects?home_region=batken&sector=it").get_data(as_text=True)
    assert "Ачык долбоор" not in client.get(f"/events/{slug}/projects?home_region=osh").get_data(as_text=True)
    api = client.get(f"/api/v1/events/{slug}/projects").get_json()
    assert [p["title"] for p in api["projects"]] == ["Ачык долбоор"]
    assert api["projects"][0]["amount"] == 120000 and api["projects"][0]["session_id"] == session_id
    assert REGISTRANT["email"] not in str(api) and REGISTRANT["full_name"] not in str(api)
    assert client.get("/api/v1/events/nope/projects").status_code == 404


def test_hostile_titles_stay_text_everywhere(client, forum, login, db_query):
    slug = forum["slug"]
    submit(client, forum["token"], title=HOSTILE, summary=HOSTILE, district=HOSTILE)
    (project_id,) = project_ids(db_query)
    login(forum["organizer"])
    client.post(f"/events/{slug}/manage/projects/{project_id}/decide", data={"decision": "accept"})
    pages = [client.get(f"/events/{slug}/manage/projects").get_data(as_text=True),
             client.get(f"/events/{slug}/manage/projects/{project_id}").get_data(as_text=True),
             client.get(f"/events/{slug}").get_data(as_text=True),
             client.get(f"/events/{slug}/projects").get_data(as_text=True),
             client.get(f"/r/{forum['token']}").get_data(as_text=True)]
    for page in pages:
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "{{ 7*7 }}" in page and ">49<" not in page


def test_dashboard_counts_and_formula_safe_export(client, forum, login, db_query):
    slug = forum["slug"]
    submit(client, forum["token"], title="=HYPERLINK(\"http://evil\")", summary="@SUM(1+1);=1+2")
    submit(client, forum["token"], title="Экинчи", home_region="naryn", amount="30000")
    submit(client, forum["token"], title="Үчүнчү", amount="5000", currency="EUR")
    _first, second, third = project_ids(db_query)
    client.post(f"/r/{forum['token']}/projects/{third}/withdraw", data={"confirm": "yes"})
    login(forum["organizer"])
    client.post(f"/events/{slug}/manage/projects/{second}/decide", data={"decision": "accept"})
    dashboard = client.get(f"/events/{slug}/manage").get_data(as_text=True)
    section = dashboard.split('id="project-counts"')[1]
    assert "150 000 USD" in section and "EUR" not in section  # the withdrawn one is not counted
    assert "Naryn" in section or "Нарын" in section
    response = client.get(f"/events/{slug}/manage/projects.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    text = response.data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 4
    assert_no_formula_cell(text, payloads=['=HYPERLINK("http://evil")', "@SUM(1+1);=1+2"])
    assert REGISTRANT["email"] in response.data.decode("utf-8-sig")  # organizers' file: the author's contacts
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/events/{slug}/manage/projects.xlsx").data))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert any(cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for cell in cells)


@pytest.mark.parametrize("language, projects, people", [("en", "Projects", "People"), ("ru", "Проекты", "Человек"),
                                                      ("ky", "Долбоорлор", "Адам саны")])
def test_the_dashboards_project_bars_count_projects_not_people(client, forum, login, language, projects, people):
    slug = forum["slug"]
    submit(client, forum["token"])
    submit(client, forum["token"], title="Экинчи", home_region="naryn", sector="trade")
    login(forum["organizer"])
    dashboard = client.get(f"/events/{slug}/manage", headers={"Accept-Language": language}).get_data(as_text=True)
    registrations, section = dashboard.split('id="project-counts"')
    section = section.split("</div>\n</section>")[0]
    units = re.findall(r'<th scope="col" class="bars-unit">([^<]*)</th>', section)
    assert units == [projects, projects]  # by region, by sector
    assert people not in section
    assert f'<th scope="col" class="bars-unit">{people}</th>' in registrations  # the registrations' bars count people


def test_the_older_api_fields_make_a_submitted_project(client, make_event, db_query):
    slug = make_event()
    refused = client.post(f"/api/v1/events/{slug}/registrations",
                          json={**REGISTRANT, "project_text": "Текст гана"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "project_title"
    assert db_query(lambda db: db.session.scalar(select(Registration.id))) is None
    api_register(client, slug, project_title="Сүт цехи", project_text="Чүй облусунда")
    project = db_query(lambda db: db.session.scalar(select(Project)))
    assert (project.title, project.summary, project.status, project.home_region, project.sector) == (
        "Сүт цехи", "Чүй облусунда", "submitted", REGISTRANT["home_region"], REGISTRANT["sector"])
    assert db_query(lambda db: db.session.scalar(select(Registration.project_title))) is None


def test_the_demo_forum_shows_accepted_projects(client, runner, db_query):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    slug = db_query(lambda db: db.session.scalars(select(Project)).first().event.slug)
    page = client.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Кургатылган жемиш цехи (демо)" in page and "Ысык-Көлдө балык чарбасы" not in page
    programme = page.split('id="projects"')[0]
    assert "Кургатылган жемиш цехи (демо)" in programme  # under "Investment and business"
    assert "project1@example.org" not in page and "Азамат Токтосунов" not in page  # no author, no contact


def test_a_reviewer_of_one_event_sees_no_other_events_projects(client, forum, make_event, make_user, login,
                                                                db_query):
    submit(client, forum["token"])
    (project_id,) = project_ids(db_query)
    other = make_event(title="Башка")
    login(forum["reviewer"])
    assert client.get(f"/events/{other}/manage/projects").status_code == 403
    assert client.get(f"/events/{other}/manage/projects/{project_id}").status_code == 403
    client.post("/auth/logout")
    login(make_user(is_admin=True))
    assert client.get(f"/events/{other}/manage/projects/{project_id}").status_code == 404


def test_a_cancelled_registration_no_longer_changes_or_withdraws_its_proposal(client, forum, db_query):
    token = forum["token"]
    assert submit(client, token).status_code == 302
    (project_id,) = project_ids(db_query)
    assert client.post(f"/r/{token}/cancel", data={"confirm": "yes"}).status_code == 302
    edit_url = f"/r/{token}/projects/{project_id}/edit"
    assert client.get(edit_url).status_code == 302  # back to the private page: no form to fill
    client.post(edit_url, data={**PROJECT, "title": "Жаңгак цехи"})
    client.post(f"/r/{token}/projects/{project_id}/withdraw", data={"confirm": "yes"})
    project = db_query(lambda db: db.session.get(Project, project_id))
    assert (project.title, project.status) == (PROJECT["title"], "submitted")


def test_a_delegation_member_taking_over_a_cancelled_registration_does_not_inherit_its_projects(client, forum,
                                                                                               db_query):
    from tests.test_event_delegations import delegation_body, member, post_delegation

    token = forum["token"]
    assert submit(client, token).status_code == 302
    (project_id,) = project_ids(db_query)
    assert client.post(f"/r/{token}/cancel", data={"confirm": "yes"}).status_code == 302
    response = post_delegation(client, forum["slug"], delegation_body([member(0, email=REGISTRANT["email"])]))
    assert response.status_code == 201, response.get_data(as_text=True)
    new_token = db_query(lambda db: db.session.scalar(select(Registration.token).where(
        Registration.email == REGISTRANT["email"])))
    assert new_token != token
    page = client.get(f"/r/{new_token}").get_data(as_text=True)
    assert PROJECT["title"] not in page
    assert client.get(f"/r/{new_token}/projects/{project_id}/edit").status_code == 404
    assert db_query(lambda db: db.session.get(Project, project_id).registration_id) is None


@pytest.mark.parametrize("lang,words", [("en", "title, summary, region and district"),
                                        ("ru", "название, описание, регион и район"),
                                        ("ky", "аталышы, кыскача баяндамасы, аймагы жана району")])
def test_the_public_consent_names_everything_the_public_list_shows(client, forum, lang, words):
    page = client.get(f"/r/{forum['token']}/projects/new", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert words in page


def test_an_accepted_project_leaves_the_public_list_when_its_author_cancels(client, forum, login, db_query):
    """A cancelled author can no longer withdraw their project, so cancelling takes it off the list."""
    slug, token = forum["slug"], forum["token"]
    submit(client, token, title="Ачык долбоор")
    (project_id,) = project_ids(db_query)
    login(forum["organizer"])
    client.post(f"/events/{slug}/manage/projects/{project_id}/decide", data={"decision": "accept"})
    client.post("/auth/logout")
    assert "Ачык долбоор" in client.get(f"/events/{slug}/projects").get_data(as_text=True)
    assert client.post(f"/r/{token}/cancel", data={"confirm": "yes"}).status_code == 302
    assert "Ачык долбоор" not in client.get(f"/events/{slug}/projects").get_data(as_text=True)
    assert "Ачык долбоор" not in client.get(f"/events/{slug}").get_data(as_text=True)
    assert client.get(f"/api/v1/events/{slug}/projects").get_json()["projects"] == []
