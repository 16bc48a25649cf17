"""No request waits in silence: a request no association can take goes to the coordinators' "needs a
person" queue at once, one nobody accepted within HELP_ESCALATE_HOURS by the worker's job (once); a
coordinator routes it by hand; the person's page says what is happening; declining ends on the list."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.assistance_helpers import CITIES, REQUEST, request_id, routed_to, send_request  # noqa: F401

PHONE = REQUEST["phone"]


def legal_org(make_org, make_user, name, city="Екатеринбург", **fields):
    admin = make_user(name=f"Admin of {name}")
    lat, lng = CITIES[city]
    fields.setdefault("categories", ("legal-aid",))
    org_id = make_org(name=name, city=city, lat=lat, lng=lng, languages=("ky", "ru"), owner=admin, **fields)
    return org_id, admin


@pytest.fixture
def people(make_user, runner):
    """A site admin, a site coordinator (made with the command), a plain user."""
    admin = make_user(email="admin@example.org", is_admin=True)
    coordinator = make_user(email="coordinator@example.org", locale="ru")
    result = runner.invoke(args=["set-coordinator", "Coordinator@example.org"])
    assert result.exit_code == 0 and "now a site coordinator" in result.output, result.output
    plain = make_user(email="plain@example.org")
    return {"admin": admin, "coordinator": coordinator, "plain": plain}


def state(db_query, reference):
    from diaspora.models import HelpRequest

    return db_query(lambda db: db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference)))


def escalation_mail(db_query) -> list[tuple[str, str]]:
    from diaspora.models import OutboxMessage

    return db_query(lambda db: [(m.to_address, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request_needs_person").order_by(OutboxMessage.id))])


def events(db_query, reference):
    from diaspora.models import HelpEvent, HelpRequest

    return db_query(lambda db: [(e.action, e.organization_id, e.user_id) for e in db.session.scalars(
        select(HelpEvent).join(HelpRequest, HelpRequest.id == HelpEvent.request_id)
        .where(HelpRequest.reference == reference).order_by(HelpEvent.id))])


def test_no_match_goes_to_the_queue_and_a_coordinator_routes_it_by_hand(
        client, people, make_org, make_user, login, db_query):
    # the only association offering legal aid is in Bishkek: nothing fits a request from Yekaterinburg
    far_org, far_admin = legal_org(make_org, make_user, "Бишкек укук", city="Бишкек", country="KG")
    other_org, other_admin = legal_org(make_org, make_user, "Мекен Москва", city="Москва",
                                       categories=("adaptation",))
    client.get("/lang/en")
    response = client.post("/help/ask", data={**REQUEST, "consent": "y", "name": "Айбек"})
    assert response.status_code == 302
    private = response.headers["Location"]
    from diaspora.models import HelpRequest

    row = db_query(lambda db: db.session.scalar(select(HelpRequest)))
    reference = row.reference
    assert row.needs_person_reason == "no_match" and row.needs_person_since is not None
    assert routed_to(db_query, reference) == []

    # each coordinator (site admin and site coordinator) is told once, without the person's contacts
    mail = escalation_mail(db_query)
    assert sorted(to for to, _ in mail) == ["admin@example.org", "coordinator@example.org"]
    assert all(reference in body and PHONE not in body and "Айбек" not in body for _, body in mail)

    # the person's page says honestly what happens
    page = client.get(private).get_data(as_text=True)
    assert "A coordinator is looking for one" in page

    rid = request_id(db_query, reference)
    route_page = f"/help/requests/{rid}/route"
    # anonymous: to the login; a plain user and another association's admin: refused
    assert client.get(route_page).status_code == 302
    assert client.post(route_page, data={"organization_id": far_org}).status_code == 302
    for who in (people["plain"], other_admin):
        login(who)
        assert client.get(route_page).status_code == 403
        assert client.post(route_page, data={"organization_id": far_org}).status_code == 403
        assert "needs-person" not in client.get("/help/coordination").get_data(as_text=True)
        client.post("/auth/logout")
    assert state(db_query, reference).needs_person_since is not None

    # the site admin sees the queue too, and the routing page
    login(people["admin"])
    assert reference in client.get("/help/coordination").get_data(as_text=True)
    assert client.get(route_page).status_code == 200
    client.post("/auth/logout")

    # the site coordinator sees what routing needs, never the contacts or the story, and routes it
    login(people["coordinator"])
    client.get("/lang/en")
    queue = client.get("/help/coordination").get_data(as_text=True)
    assert 'id="needs-person"' in queue and reference in queue
    assert "no association nearby could take it" in queue
    assert PHONE not in queue and "Айбек" not in queue and REQUEST["description"] not in queue
    form = client.get(route_page).get_data(as_text=True)
    assert "Мекен Москва" in form and "Бишкек укук" in form and PHONE not in form
    # an association that does not exist or is not published: told, nothing changes
    unpublished = make_org(name="Черновик", status="pending")
    for bad in ("999999", str(unpublished), ""):
        refused = client.post(route_page, data={"organization_id": bad})
        assert refused.status_code == 200 and "Choose" in refused.get_data(as_text=True)
    assert state(db_query, reference).needs_person_since is not None
    done = client.post(route_page, data={"organization_id": far_org})
    assert done.status_code == 302 and done.headers["Location"].endswith("/help/coordination#needs-person")
    after = client.get("/help/coordination").get_data(as_text=True)
    assert "Sent to Бишкек укук" in after and f"queued-{rid}" not in after
    # twice (a second tab): refused with a message, nothing doubled
    again = client.post(route_page, data={"organization_id": other_org}, follow_redirects=True)
    assert "no longer waiting for a coordinator" in again.get_data(as_text=True)
    client.post("/auth/logout")

    assert routed_to(db_query, reference) == [far_org]
    row = state(db_query, reference)
    assert row.needs_person_since is None and row.status == "new"
    coordinator_id = people["coordinator"].id
    assert ("routed_by_hand", far_org, coordinator_id) in events(db_query, reference)

    # the association sees it as routed to it, and the log says a coordinator did it
    login(far_admin)
    client.get("/lang/en")
    assert reference in client.get("/help/coordination").get_data(as_text=True)
    detail = client.get(f"/help/requests/{rid}")
    assert detail.status_code == 200 and "Routed by a coordinator" in detail.get_data(as_text=True)
    client.post("/auth/logout")
    # and the person reads that an association now has it
    assert "Waiting for an association" in client.get(private).get_data(as_text=True)


@pytest.fixture
def six_hours(app_config):
    app_config.update(HELP_ESCALATE_HOURS=6)


def test_not_accepted_in_time_is_escalated_once_by_the_job(six_hours, app, people, make_org, make_user,
                                                           send_request, db_query, client, login):
    org_id, org_admin = legal_org(make_org, make_user, "Мекен Екатеринбург")
    reference, token = send_request()
    taken, _token = send_request(description="Башка суроо")
    assert routed_to(db_query, reference) == [org_id]
    assert state(db_query, reference).needs_person_since is None and escalation_mail(db_query) == []
    login(org_admin)
    client.post(f"/help/requests/{request_id(db_query, taken)}/accept", data={"organization_id": org_id})
    client.post("/auth/logout")

    from diaspora import jobs
    from diaspora.database import utcnow

    def run_at(hours):
        with app.app_context():
            return jobs.run_due(utcnow() + timedelta(hours=hours))

    assert run_at(5)["help-escalate"] == "escalated 0"  # not yet
    assert state(db_query, reference).needs_person_since is None
    assert run_at(7)["help-escalate"] == "escalated 1"  # the accepted one is not in the queue
    row = state(db_query, reference)
    assert row.needs_person_reason == "not_accepted" and state(db_query, taken).needs_person_since is None
    assert len(escalation_mail(db_query)) == 2  # the admin and the coordinator, once
    assert "Это обращение пока не приняла ни одна ассоциация." in escalation_mail(db_query)[0][1]  # in Russian
    # the job again, later: nothing new, no second mail
    assert run_at(8)["help-escalate"] == "escalated 0"
    assert run_at(30)["help-escalate"] == "escalated 0"
    assert len(escalation_mail(db_query)) == 2
    assert [a for a, *_ in events(db_query, reference)].count("needs_person") == 1
    assert "A coordinator is looking for one" in client.get(f"/h/{token}?lang=en",
                                                           headers={"Accept-Language": "en"}).get_data(as_text=True)

    # routed by hand (to the same association: it may have been called), it leaves the queue
    login(people["admin"])
    rid = request_id(db_query, reference)
    assert client.post(f"/help/requests/{rid}/route", data={"organization_id": org_id}).status_code == 302
    assert state(db_query, reference).needs_person_since is None


def test_declining_ends_on_the_list_with_a_message_and_the_last_decline_escalates(
        client, people, make_org, make_user, send_request, db_query, login):
    org_id, org_admin = legal_org(make_org, make_user, "Мекен Екатеринбург")
    reference, _token = send_request()
    rid = request_id(db_query, reference)
    login(org_admin)
    client.get("/lang/en")
    response = client.post(f"/help/requests/{rid}/decline", data={"organization_id": org_id, "reason": "Нет юриста"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/help/coordination")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Declined: the request goes to other associations." in page.get_data(as_text=True)
    assert client.get(f"/help/requests/{rid}").status_code == 403
    # nobody else fits: a person must look
    assert state(db_query, reference).needs_person_reason == "no_match"
    assert len(escalation_mail(db_query)) == 2
    # declining twice (a second tab) says why, on a page the association may open
    again = client.post(f"/help/requests/{rid}/decline", data={"organization_id": org_id}, follow_redirects=True)
    assert again.status_code == 200 and "no longer open to your association" in again.get_data(as_text=True)


def test_giving_back_ends_on_the_list_and_with_nobody_left_escalates(
        client, people, make_org, make_user, send_request, db_query, login):
    org_id, org_admin = legal_org(make_org, make_user, "Мекен Екатеринбург")
    reference, _token = send_request()
    rid = request_id(db_query, reference)
    login(org_admin)
    client.get("/lang/en")
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": org_id})
    assert state(db_query, reference).needs_person_since is None
    response = client.post(f"/help/requests/{rid}/cannot-help", data={"reason": "Нужен адвокат"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/help/coordination")
    assert "goes back to the other associations" in client.get("/help/coordination").get_data(as_text=True)
    assert state(db_query, reference).needs_person_reason == "no_match"


def test_the_coordinator_role_is_given_and_taken_by_a_command(runner, make_user, db_query):
    make_user(email="aigul@example.org")
    from diaspora.models import User

    def role():
        return db_query(lambda db: db.session.scalar(select(User.is_coordinator).where(
            User.email == "aigul@example.org")))

    assert role() is False
    assert runner.invoke(args=["set-coordinator", "aigul@example.org"]).exit_code == 0 and role() is True
    result = runner.invoke(args=["set-coordinator", "aigul@example.org", "--off"])
    assert result.exit_code == 0 and "no longer" in result.output and role() is False
    assert runner.invoke(args=["set-coordinator", "nobody@example.org"]).exit_code != 0
