"""Asking for help and following it through: the form with no account, routing to the associations that
fit (matching), the workflow with its log, messages, the person's private page, retention."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.assistance_helpers import CITIES, REQUEST, make_offer, request_id, routed_to, send_request  # noqa: F401
from tests.invitation_helpers import invite_and_accept


def legal_org(make_org, make_user, name, city, languages=("ky", "ru"), categories=("legal-aid",), country="RU",
              **fields):
    admin = make_user(name=f"Admin of {name}")
    lat, lng = CITIES[city]
    org_id = make_org(name=name, city=city, country=country, lat=lat, lng=lng, categories=categories,
                      languages=languages, owner=admin, **fields)
    return org_id, admin


# --- matching -----------------------------------------------------------------------------------

@pytest.fixture
def two_at_a_time(app_config):
    app_config.update(HELP_ROUTE_LIMIT=2)


def test_legal_aid_from_yekaterinburg_in_kyrgyz_reaches_nearest_speakers_first(
        two_at_a_time, make_org, make_user, send_request, db_query, client, login):
    near_ky, near_ky_admin = legal_org(make_org, make_user, "Мекен Екатеринбург", "Екатеринбург", languages=("ky",))
    chel_ru, _ = legal_org(make_org, make_user, "Правовая помощь Челябинск", "Челябинск", languages=("ru",))
    moscow, _ = legal_org(make_org, make_user, "Юристы Москвы", "Москва")
    jobs_only, jobs_admin = legal_org(make_org, make_user, "Жумуш борбору", "Екатеринбург",
                                      categories=("employment", "adaptation"))
    english_only, _ = legal_org(make_org, make_user, "Expat Lawyers", "Екатеринбург", languages=("en",))
    bishkek, _ = legal_org(make_org, make_user, "Бишкек укук", "Бишкек", country="KG")

    reference, _token = send_request(language="ky", city="Екатеринбург")

    # the two nearest that speak Kyrgyz or Russian, nearest first; neither the job centre nor the others
    assert routed_to(db_query, reference) == [near_ky, chel_ru]
    rid = request_id(db_query, reference)
    login(jobs_admin)
    assert client.get(f"/help/requests/{rid}").status_code == 403
    assert reference not in client.get("/help/coordination").get_data(as_text=True)
    client.post("/auth/logout")

    # the nearest says it cannot take it: the next in line (Moscow, same country) gets it, never the others
    login(near_ky_admin)
    assert reference in client.get("/help/coordination").get_data(as_text=True)
    client.post(f"/help/requests/{rid}/decline", data={"organization_id": near_ky, "reason": "Юрист в отпуске"})
    assert routed_to(db_query, reference) == [near_ky, chel_ru, moscow]
    assert jobs_only not in routed_to(db_query, reference)
    assert english_only not in routed_to(db_query, reference)
    assert bishkek not in routed_to(db_query, reference)


def test_an_offer_in_the_city_counts_as_presence_and_remote_offers_come_last(
        make_org, make_user, make_offer, send_request, db_query):
    # an association in Perm with an office offer in Yekaterinburg, one in Moscow, one working remotely from Bishkek
    perm, perm_admin = legal_org(make_org, make_user, "Пермь-Мекен", "Пермь", categories=("adaptation",))
    make_offer(perm, perm_admin.id, city="Екатеринбург")
    moscow, _ = legal_org(make_org, make_user, "Москва-Мекен", "Москва")
    remote, remote_admin = legal_org(make_org, make_user, "Онлайн юрист", "Бишкек", country="KG",
                                     categories=("culture",))
    make_offer(remote, remote_admin.id, scope="remote", country=None, city="")
    reference, _ = send_request()
    assert routed_to(db_query, reference) == [perm, moscow, remote]


# --- asking with the form -------------------------------------------------------------------------

def test_the_form_keeps_what_was_typed_and_says_what_is_missing(client):
    client.get("/lang/en")
    page = client.get("/help/ask")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    response = client.post("/help/ask", data={**{k: v for k, v in REQUEST.items() if k != "consent"},
                                               "phone": "", "name": "Айбек", "description": "Паспортту алып коюшту"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Паспортту алып коюшту" in html and "Айбек" in html  # nothing lost
    assert "Give at least one way to reach you" in html
    assert "We can only pass on your request with your consent." in html
    # a tampered list and a house number: every error at once, nothing lost
    without_consent = {k: v for k, v in REQUEST.items() if k != "consent"}
    response = client.post("/help/ask", data={**without_consent, "category": "no-such-kind", "phone": "",
                                               "city": "Екатеринбург ул. 8 Марта 12",
                                               "description": "Паспортту алып коюшту"})
    html = response.get_data(as_text=True)
    assert "Choose from the list." in html and "without a street or a house number" in html
    assert "Give at least one way to reach you" in html and "We can only pass on your request" in html
    assert "Паспортту алып коюшту" in html


def test_asking_with_the_form_gives_a_reference_and_a_private_page(client, make_org, make_user, db_query):
    legal_org(make_org, make_user, "Мекен Екатеринбург", "Екатеринбург")
    client.get("/lang/ru")
    response = client.post("/help/ask", data={**REQUEST, "consent": "y", "name": "Айбек", "telegram": "@aibek_ekb"})
    assert response.status_code == 302
    private = response.headers["Location"]
    token = private.split("/h/")[1].split("?")[0]
    assert len(token) >= 40
    page = client.get(private)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    from diaspora.models import HelpRequest

    reference = db_query(lambda db: db.session.scalar(select(HelpRequest.reference)))
    assert reference in html and "Айбек" in html and "@aibek_ekb" in html
    assert "Иш берүүчү үч ай бою айлык төлөгөн жок." in html
    assert client.get("/h/not-a-real-token-at-all-0000000000000000000000").status_code == 404


# --- the workflow -------------------------------------------------------------------------------

@pytest.fixture
def two_orgs(make_org, make_user):
    first = legal_org(make_org, make_user, "Мекен Екатеринбург", "Екатеринбург")
    second = legal_org(make_org, make_user, "Правовая помощь Челябинск", "Челябинск")
    return first, second


def test_accept_progress_resolve_with_messages_and_a_log(client, login, two_orgs, send_request, db_query, app):
    (first, first_admin), (_second, _second_admin) = two_orgs
    reference, token = send_request(name="Айбек", email="aibek@example.org")
    rid = request_id(db_query, reference)

    login(first_admin)
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert "Иш берүүчү" in page and "+7 912 000 11 22" not in page and "Айбек" not in page
    response = client.post(f"/help/requests/{rid}/accept", data={"organization_id": first}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "+7 912 000 11 22" in page and "Айбек" in page and "aibek@example.org" in page
    client.post(f"/help/requests/{rid}/start")
    client.post(f"/help/requests/{rid}/message", data={"body": "Келиңиз, дүйшөмбү саат 10до."})
    client.post("/auth/logout")

    # the person sees who accepted, the message, and answers
    private = client.get(f"/h/{token}").get_data(as_text=True)
    assert "Мекен Екатеринбург" in private and "Келиңиз, дүйшөмбү саат 10до." in private
    client.post(f"/h/{token}", data={"body": "Рахмат, келем."})

    login(first_admin)
    assert "Рахмат, келем." in client.get(f"/help/requests/{rid}").get_data(as_text=True)
    client.post(f"/help/requests/{rid}/resolve")
    client.post("/auth/logout")

    from diaspora.models import HelpEvent, HelpRequest

    def read(db):
        request = db.session.get(HelpRequest, rid)
        events = db.session.scalars(select(HelpEvent).where(HelpEvent.request_id == rid).order_by(HelpEvent.id)).all()
        return request.status, [(e.action, e.user_id, e.organization_id, e.by_requester) for e in events]
    status, events = db_query(read)
    assert status == "resolved"
    actions = [e[0] for e in events]
    assert actions == ["created", "routed", "accepted", "in_progress", "message", "message", "resolved"]
    from diaspora.models import OutboxMessage

    told = db_query(lambda db: db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.kind.like("request_%"), OutboxMessage.template.like("assistance/%"))
        .order_by(OutboxMessage.id)).all())
    assert "request_in_progress" in told and told.index("request_accepted") < told.index("request_in_progress")

    def composed(db):
        from diaspora import mail

        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "request_in_progress"))
        return mail.compose(message)
    subject, body, _attachments, to = db_query(composed)
    assert reference in subject and "Мекен Екатеринбург" in body and to == "aibek@example.org"
    assert events[2][1:3] == (first_admin.id, first) and events[5][3] is True
    client.get("/lang/en")
    assert 'id="request-status">Resolved<' in client.get(f"/h/{token}").get_data(as_text=True)


def test_cannot_help_gives_the_request_back_to_the_others(client, login, two_orgs, send_request, db_query, make_user):
    (first, first_admin), (second, second_admin) = two_orgs
    reference, token = send_request()
    rid = request_id(db_query, reference)
    client.get("/lang/en")
    login(first_admin)
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": first})
    response = client.post(f"/help/requests/{rid}/cannot-help", data={"reason": ""}, follow_redirects=True)
    assert "This field is required" in response.get_data(as_text=True)
    client.post(f"/help/requests/{rid}/cannot-help", data={"reason": "Нужен адвокат по уголовным делам"})
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert "+7 912 000 11 22" not in page  # no longer theirs
    client.post("/auth/logout")

    login(second_admin)
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert "Нужен адвокат по уголовным делам" in page  # the others see why
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": second})
    assert "+7 912 000 11 22" in client.get(f"/help/requests/{rid}").get_data(as_text=True)
    # the person does not see the other association's reasoning
    assert "Нужен адвокат" not in client.get(f"/h/{token}").get_data(as_text=True)


def test_volunteers_take_requests_strangers_and_anonymous_cannot(client, login, two_orgs, send_request, db_query,
                                                                  make_user, app):
    (first, first_admin), _ = two_orgs
    volunteer = make_user(email="volunteer@example.org")
    stranger = make_user(email="stranger@example.org")
    invite_and_accept(client, login, db_query, first, first_admin, volunteer, role="volunteer")
    reference, _ = send_request()
    rid = request_id(db_query, reference)

    assert client.get(f"/help/requests/{rid}").status_code == 302  # to the login page
    assert client.post(f"/help/requests/{rid}/accept", data={"organization_id": first}).status_code == 302
    login(stranger)
    assert client.get("/help/coordination").status_code == 403
    assert client.get(f"/help/requests/{rid}").status_code == 403
    assert client.post(f"/help/requests/{rid}/accept", data={"organization_id": first}).status_code == 403
    client.post("/auth/logout")
    login(volunteer)
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": first})
    assert "+7 912 000 11 22" in client.get(f"/help/requests/{rid}").get_data(as_text=True)
    # a volunteer cannot edit the association itself
    assert client.get(f"/organizations/{first}/edit").status_code == 403


def test_the_person_withdraws_or_deletes(client, two_orgs, send_request, db_query, login):
    (_first, first_admin), _ = two_orgs
    _reference, token = send_request(name="Айбек")
    client.get("/lang/en")
    client.post(f"/h/{token}/withdraw")
    assert 'id="request-status">Withdrawn<' in client.get(f"/h/{token}").get_data(as_text=True)
    from diaspora.models import HelpMessage, HelpRequest

    assert db_query(lambda db: db.session.scalar(select(HelpRequest.status))) == "withdrawn"
    reference2, token2 = send_request(name="Бакыт")
    client.post(f"/h/{token2}", data={"body": "Жооп күтөм"})
    response = client.post(f"/h/{token2}/delete")
    assert response.status_code == 302
    assert client.get(f"/h/{token2}").status_code == 404

    def read(db):
        request = db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference2))
        messages = db.session.scalar(select(func.count()).select_from(HelpMessage)
                                     .where(HelpMessage.request_id == request.id))
        return (request.name, request.phone, request.description, request.status, request.anonymised_at is not None,
                messages)
    assert db_query(read) == (None, None, None, "withdrawn", True, 0)
    # a coordinator still counts it, without anything personal
    login(first_admin)
    page = client.get(f"/help/requests/{request_id(db_query, reference2)}").get_data(as_text=True)
    assert "Бакыт" not in page and "Жооп күтөм" not in page


def test_retention_reminds_closes_and_anonymises(runner, send_request, db_query, two_orgs, app):
    from diaspora.database import utcnow
    from diaspora.models import HelpRequest, OutboxMessage

    reference, _token = send_request(email="aibek@example.org", name="Айбек")
    now = utcnow()

    def run(at):
        result = runner.invoke(args=["help-retention", "--now", at.isoformat()])
        assert result.exit_code == 0, result.output
        return result.output

    assert "Reminded 0" in run(now + timedelta(days=3))
    assert "Reminded 1" in run(now + timedelta(days=15))
    assert "Reminded 0" in run(now + timedelta(days=16)) and "closed 0" in run(now + timedelta(days=16))
    assert "closed 1" in run(now + timedelta(days=23))
    # mail to the person is queued without their address (composed from the encrypted request when sent)
    assert db_query(lambda db: db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == "aibek@example.org"))) == 0
    kinds = db_query(lambda db: sorted(db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.template.like("assistance/%")))))
    assert kinds == ["request_closed", "request_received", "request_reminder"]
    assert "anonymised 0" in run(now + timedelta(days=100))
    assert "anonymised 1" in run(now + timedelta(days=23 + 181))
    state = db_query(lambda db: db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference)))
    assert (state.status, state.name, state.email, state.phone, state.description) == ("closed", None, None, None, None)
    assert state.category_id and state.country == "RU"  # the counts stay


def test_only_the_city_is_kept_never_an_address(client, send_request, db_query):
    from diaspora.models import HelpRequest

    reference, _ = send_request(city="Екатеринбург, улица Ленина, дом у рынка")
    stored = db_query(lambda db: db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference)))
    assert stored.city == "Екатеринбург" and stored.latitude is not None
    response = client.post("/api/v1/help-requests", json={**REQUEST, "city": "Екатеринбург ул Ленина 5 кв 3"})
    assert response.status_code == 422 and "city" in response.get_json()["error"]["fields"]


def test_an_association_that_declined_no_longer_reads_the_request(client, login, two_orgs, send_request, db_query):
    (first, first_admin), _ = two_orgs
    reference, _ = send_request()
    rid = request_id(db_query, reference)
    login(first_admin)
    client.post(f"/help/requests/{rid}/decline", data={"organization_id": first, "reason": ""})
    assert client.get(f"/help/requests/{rid}").status_code == 403
    assert reference not in client.get("/help/coordination").get_data(as_text=True)


def test_a_request_goes_back_when_its_association_leaves_the_directory(client, login, two_orgs, send_request,
                                                                       db_query, make_user):
    (first, first_admin), (second, second_admin) = two_orgs
    admin = make_user(is_admin=True)
    reference, _ = send_request()
    rid = request_id(db_query, reference)
    login(first_admin)
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": first})
    client.post("/auth/logout")
    login(admin)
    response = client.post(f"/moderation/organizations/{first}/reject", data={"reason": "Closed down"})
    assert response.status_code == 302
    client.post("/auth/logout")
    from diaspora.models import HelpRequest

    state = db_query(lambda db: db.session.get(HelpRequest, rid))
    assert (state.status, state.accepted_org_id) == ("new", None)
    login(second_admin)
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert f'id="accept-{second}"' in page


def test_retention_sends_waiting_requests_to_associations_that_joined_since(runner, send_request, db_query,
                                                                            make_org, make_user):
    reference, _ = send_request()
    assert routed_to(db_query, reference) == []  # nobody fits yet
    newcomer, _ = legal_org(make_org, make_user, "Жаңы уюм", "Екатеринбург")
    assert runner.invoke(args=["help-retention"]).exit_code == 0
    assert routed_to(db_query, reference) == [newcomer]


def test_stale_accepted_requests_remind_the_association_too(runner, client, login, two_orgs, send_request, db_query):
    from diaspora.database import utcnow
    from diaspora.models import OutboxMessage

    (first, first_admin), _ = two_orgs
    reference, _ = send_request()
    login(first_admin)
    client.post(f"/help/requests/{request_id(db_query, reference)}/accept", data={"organization_id": first})
    runner.invoke(args=["help-retention", "--now", (utcnow() + timedelta(days=15)).isoformat()])
    kinds = db_query(lambda db: db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.to_address == first_admin.email)).all())
    assert "request_stale" in kinds


def test_acting_twice_changes_the_request_once(client, two_orgs, send_request, db_query):
    from diaspora.models import HelpEvent

    _reference, token = send_request()
    client.get("/lang/en")
    client.post(f"/h/{token}/withdraw")
    response = client.post(f"/h/{token}/withdraw", follow_redirects=True)
    assert "This cannot be done at this stage." in response.get_data(as_text=True)
    actions = db_query(lambda db: db.session.scalars(select(HelpEvent.action)).all())
    assert actions.count("withdrawn") == 1


def test_offers_radius_and_capacity_shape_the_order(client, login, make_org, make_user, make_offer, send_request,
                                                    db_query):
    far, far_admin = legal_org(make_org, make_user, "Москва-Урал", "Москва", categories=("adaptation",))
    make_offer(far, far_admin.id, city="Екатеринбург", radius_km=30)  # a weekly consultation in Yekaterinburg
    busy, busy_admin = legal_org(make_org, make_user, "Занятые юристы", "Екатеринбург")
    make_offer(busy, busy_admin.id, capacity=1)
    chel, _ = legal_org(make_org, make_user, "Челябинск-Мекен", "Челябинск")
    first, _ = send_request()
    assert routed_to(db_query, first) == [busy, far, chel]  # both in the city (by name), then 190 km away
    login(busy_admin)
    client.post(f"/help/requests/{request_id(db_query, first)}/accept", data={"organization_id": busy})
    # the busy association has taken as many as it said it can: the next request goes to it last
    second, _ = send_request()
    assert routed_to(db_query, second) == [far, chel, busy]
    # in Perm, outside the consultation's 30 km, the Moscow association is only "same country"
    third, _ = send_request(city="Пермь")
    assert routed_to(db_query, third)[-1] == far
