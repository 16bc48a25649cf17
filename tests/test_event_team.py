"""An event's team through HTTP: adding people by email (at once or by invitation), every management URL tried
by every role (allowed or 403), the door volunteer's check-in without contacts, organizer notifications."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from diaspora.models import Event, EventTeamMember, OutboxMessage, Project, Registration, Speaker
from tests.conftest import REGISTRANT

LINK = re.compile(r"https?://[^/\s]+(/event-team/[\w-]+)")


def api_register(client, slug, **fields):
    body = {**REGISTRANT, **fields}
    response = client.post(f"/api/v1/events/{slug}/registrations", json=body)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response


def mails(db_query, kind):
    return db_query(lambda db: [(m.to_address, m.subject, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))])


def add_member(client, slug, email, role):
    return client.post(f"/events/{slug}/manage/team", data={"email": email, "role": role})


@pytest.fixture
def forum(client, make_user, make_event, login, db_query, event_ids):
    """A site event with approval, a session, a question, a pending and a second pending registration, and a
    team: one member per role, added by a site admin (accounts exist: they join at once)."""
    slug = make_event(title="Мекендештер", approval=True, sessions=[{"title": "Ош"}],
                      questions=[{"kind": "text", "label": "Суроо"}])
    admin = make_user(is_admin=True)
    people = {role: make_user() for role in ("checkin", "registrations", "reviewer", "organizer")}
    login(admin)
    for role, person in people.items():
        assert add_member(client, slug, person.email.upper(), role).status_code == 302
    add_member(client, slug, "victim@example.org", "checkin")  # no account: an invitation, removed below
    client.post(f"/events/{slug}/manage/programme/speakers", data={"name": "Спикер"})
    client.post("/auth/logout")
    sessions, questions = event_ids(slug)
    api_register(client, slug, sessions=sessions)
    second = api_register(client, slug, email="second@example.org").get_json()["manage_url"].rsplit("/r/", 1)[1]
    client.post(f"/r/{second}/projects/new", data={
        "title": "Долбоор", "home_region": "osh", "sector": "it", "stage": "idea", "summary": "Кыскача"})
    project = db_query(lambda db: db.session.scalar(select(Project.id)))
    registrations = db_query(lambda db: db.session.scalars(select(Registration.id).order_by(Registration.id)).all())
    victim = db_query(lambda db: db.session.scalar(select(EventTeamMember.id).where(
        EventTeamMember.email == "victim@example.org")))
    speaker = db_query(lambda db: db.session.scalar(select(Speaker.id)))
    return {"slug": slug, "admin": admin, "people": people, "session": sessions[0], "question": questions[0],
            "registrations": registrations, "victim": victim, "plain": make_user(), "project": project,
            "speaker": speaker}


def management_calls(f):
    """(method, url, data, who may) for every management URL of an event: "who" is a permission of
    events.permissions.PERMISSIONS, or "member" (anyone in the team), or "own" (a listed team member)."""
    s, (r1, r2) = f["slug"], f["registrations"]
    base = f"/events/{s}/manage"
    return [
        ("GET", base, None, "overview"),
        ("GET", f"{base}/registrations", None, "registrations"),
        ("GET", f"{base}/registrations?delegation=1", None, "registrations"),  # one delegation's members
        ("GET", f"{base}/registrations/{r1}", None, "registrations"),
        ("POST", f"{base}/registrations/{r1}/approve", {}, "registrations"),
        ("POST", f"{base}/registrations/{r2}/reject", {"reason": "Орун жок"}, "registrations"),
        ("GET", f"{base}/message", None, "registrations"),
        ("POST", f"{base}/message", {"subject": "Салам", "body": "Кат"}, "registrations"),
        ("GET", f"{base}/export.csv", None, "export"),
        ("GET", f"{base}/export.xlsx", None, "export"),
        ("GET", f"{base}/badges.pdf", None, "export"),
        ("GET", f"{base}/checkin", None, "checkin"),
        ("POST", f"{base}/checkin", {"code": "NOPE1234"}, "checkin"),
        ("POST", f"{base}/checkin.json", {"json": {"code": "NOPE1234"}}, "checkin"),
        ("POST", f"{base}/checkin.json", {"json": {"code": "NOPE1234", "session": str(f["session"])}}, "checkin"),
        ("GET", f"{base}/edit", None, "settings"),
        ("POST", f"{base}/publish", {}, "settings"),
        ("POST", f"{base}/reminders", {}, "settings"),
        ("GET", f"{base}/cancel", None, "settings"),
        ("GET", f"{base}/programme", None, "settings"),
        ("GET", f"{base}/programme/{f['session']}/edit", None, "settings"),
        ("POST", f"{base}/programme/{f['session']}/edit", {"title_ky": "Ош"}, "settings"),
        ("POST", f"{base}/programme/speakers", {"name": "Жаңы спикер"}, "settings"),
        ("GET", f"{base}/programme/speakers/{f['speaker']}/edit", None, "settings"),
        ("POST", f"{base}/programme/speakers/{f['speaker']}/edit", {"name": "Спикер"}, "settings"),
        ("POST", f"{base}/programme/speakers/{f['speaker']}/delete", {}, "settings"),
        ("POST", f"{base}/programme/{f['session']}/delete", {}, "settings"),
        ("GET", f"{base}/questions", None, "settings"),
        ("POST", f"{base}/questions/{f['question']}/delete", {}, "settings"),
        ("GET", f"{base}/letters", None, "settings"),
        ("POST", f"{base}/letters", {"travel_hotels_ky": "Мейманкана"}, "settings"),
        ("GET", f"{base}/team", None, "member"),
        ("POST", f"{base}/team", {"email": "new@example.org", "role": "checkin"}, "team"),
        ("POST", f"{base}/team/{f['victim']}/role", {"role": "registrations"}, "team"),
        ("POST", f"{base}/team/notify", {"notify": "off"}, "own"),
        ("POST", f"{base}/team/{f['victim']}/remove", {}, "team"),
        ("GET", f"{base}/projects", None, "review"),
        ("GET", f"{base}/projects/{f['project']}", None, "review"),
        ("POST", f"{base}/projects/{f['project']}/review", {"score": "4", "comment": "Жакшы"}, "review"),
        ("POST", f"{base}/projects/{f['project']}/decide", {"decision": "accept"}, "decide_projects"),
        ("POST", f"{base}/projects/{f['project']}/session", {"session_id": ""}, "decide_projects"),
        ("GET", f"{base}/projects.csv", None, "export"),
        ("GET", f"{base}/projects.xlsx", None, "export"),
    ]


ALLOWED = {  # who: the permissions each kind of person has
    "anonymous": set(),
    "plain": set(),
    "checkin": {"checkin", "member", "own"},
    "registrations": {"overview", "registrations", "checkin", "member", "own"},
    "reviewer": {"review", "member", "own"},
    "organizer": {"overview", "registrations", "checkin", "export", "settings", "team", "review", "decide_projects",
                  "member", "own"},
    "site_admin": {"overview", "registrations", "checkin", "export", "settings", "team", "review", "decide_projects",
                   "member"},
}


@pytest.mark.parametrize("who", list(ALLOWED))
def test_every_management_url_by_role(client, forum, login, who):
    if who == "site_admin":
        login(forum["admin"])
    elif who == "plain":
        login(forum["plain"])
    elif who != "anonymous":
        login(forum["people"][who])
    for method, url, data, permission in management_calls(forum):
        if method == "GET":
            response = client.get(url)
        elif data and "json" in data:
            response = client.post(url, json=data["json"])
        else:
            response = client.post(url, data=data)
        if who == "anonymous":
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
        elif permission in ALLOWED[who]:
            assert response.status_code in (200, 302), (who, method, url, response.status_code)
        else:
            assert response.status_code == 403, (who, method, url, response.status_code)


def test_a_checkin_volunteer_sees_name_status_and_sessions_but_no_contacts(client, forum, login, db_query):
    slug = forum["slug"]
    login(forum["admin"])
    client.post(f"/events/{slug}/manage/registrations/{forum['registrations'][0]}/approve")
    client.post("/auth/logout")
    code = db_query(lambda db: db.session.get(Registration, forum["registrations"][0]).code)
    login(forum["people"]["checkin"])
    page = client.post(f"/events/{slug}/manage/checkin", data={"code": code}).get_data(as_text=True)
    assert REGISTRANT["full_name"] in page and "Ош" in page
    assert REGISTRANT["email"] not in page and "912 000" not in page
    assert 'href="/events/' + slug + '/manage/registrations"' not in page  # not offered in the menu
    answer = client.post(f"/events/{slug}/manage/checkin.json", json={"code": code}).get_json()
    assert answer["result"] == "already" and answer["sessions"] == ["Ош"]
    assert REGISTRANT["email"] not in str(answer) and "912" not in str(answer)
    # the public page's "Manage" leads the volunteer to the door, not to the overview they may not open
    assert f'href="/events/{slug}/manage/checkin"' in client.get(f"/events/{slug}").get_data(as_text=True)


def test_adding_people_at_once_and_by_invitation(client, forum, make_user, login, db_query, app):
    slug = forum["slug"]
    login(forum["people"]["organizer"])  # a team organizer may build the team
    page = add_member(client, slug, "nope", "checkin").get_data(as_text=True)
    assert 'class="error"' in page and 'value="nope"' in page
    dup = add_member(client, slug, forum["people"]["checkin"].email, "organizer").get_data(as_text=True)
    assert 'class="error"' in dup
    assert add_member(client, slug, "volunteer@example.org", "checkin").status_code == 302
    invitation = mails(db_query, "event_team_invitation")[-1]
    assert invitation[0] == "volunteer@example.org" and "Мекендештер" in invitation[1]
    path = LINK.search(invitation[2]).group(1)
    client.post("/auth/logout")
    # someone else logged in cannot take it; the invited address can, once
    login(forum["plain"])
    assert client.post(path).status_code == 403
    client.post("/auth/logout")
    volunteer = make_user(email="volunteer@example.org")
    login(volunteer)
    assert "Мекендештер" in client.get(path).get_data(as_text=True)
    accepted = client.post(path)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(f"/events/{slug}/manage/team")
    assert client.get(f"/events/{slug}/manage/checkin").status_code == 200
    assert client.get(f"/events/{slug}/manage/registrations").status_code == 403
    assert client.post(path).status_code == 404  # used
    client.post("/auth/logout")
    # an expired link does nothing
    login(forum["people"]["organizer"])
    add_member(client, slug, "late@example.org", "registrations")
    late = LINK.search(mails(db_query, "event_team_invitation")[-1][2]).group(1)
    from diaspora.database import utcnow

    def expire(db):
        db.session.execute(update(EventTeamMember).where(EventTeamMember.email == "late@example.org")
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    db_query(expire)
    client.post("/auth/logout")
    login(make_user(email="late@example.org"))
    assert client.post(late).status_code == 404
    assert client.get(f"/events/{slug}/manage/registrations").status_code == 403
    # an account added at once is told by mail, and the organizer changes roles and removes people
    assert mails(db_query, "event_team_added")[0][0] == forum["people"]["checkin"].email


def test_team_notifications_immediately_daily_or_off(client, forum, login, db_query, app):
    """The job (run directly, as the worker does) mails organizers and registration staff as each chose."""
    from diaspora.database import utcnow
    from diaspora.events import team_notify
    from diaspora.unit_of_work import transaction

    slug, people = forum["slug"], forum["people"]
    login(people["registrations"])
    assert client.post(f"/events/{slug}/manage/team/notify", data={"notify": "immediately"}).status_code == 302
    client.post("/auth/logout")
    login(people["organizer"])  # stays on the daily digest (the default)
    client.post("/auth/logout")
    login(people["checkin"])  # the door hears nothing, whatever it asks
    assert client.post(f"/events/{slug}/manage/team/notify", data={"notify": "bogus"}).status_code == 302

    def run(now):
        with app.app_context(), transaction():
            return team_notify.run(now)

    def mine(kind, who):
        return [m for m in mails(db_query, kind) if m[0] == people[who].email]

    run(utcnow() + team_notify.SETTLE)
    (first, _second) = mine(team_notify.KIND, "registrations")
    assert REGISTRANT["full_name"] in first[1] and "/manage/registrations/" in first[2]
    assert REGISTRANT["email"] not in first[2]
    assert mine(team_notify.DIGEST_KIND, "organizer") == []  # not a day yet
    run(utcnow() + team_notify.SETTLE)
    assert len(mine(team_notify.KIND, "registrations")) == 2  # each registration told once
    api_register(client, slug, email="third@example.org", full_name="Бакыт Асанов")
    run(utcnow() + timedelta(days=1))
    assert "Бакыт Асанов" in mine(team_notify.KIND, "registrations")[-1][1]
    (digest,) = mine(team_notify.DIGEST_KIND, "organizer")
    assert "3" in digest[1] and "Бакыт Асанов" in digest[2] and REGISTRANT["full_name"] in digest[2]
    assert mine(team_notify.KIND, "checkin") == mine(team_notify.DIGEST_KIND, "checkin") == []


@pytest.fixture
def mail_on(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3)


def test_participants_mail_carries_the_organizers_reply_to(mail_on, smtp_server, client, make_event, make_user,
                                                           login, runner):
    slug = make_event(title="Мекендештер")
    login(make_user(is_admin=True))
    page = client.post(f"/events/{slug}/manage/edit", data={
        "title_ky": "Мекендештер", "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00",
        "ends_at": "2027-06-16T18:00", "city": "Бишкек", "country": "KG", "reply_to": "not an address"})
    assert 'class="error"' in page.get_data(as_text=True) and 'value="not an address"' in page.get_data(as_text=True)
    saved = client.post(f"/events/{slug}/manage/edit", data={
        "title_ky": "Мекендештер", "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00",
        "ends_at": "2027-06-16T18:00", "city": "Бишкек", "country": "KG", "reply_to": "Forum@Example.org"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    api_register(client, slug)
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    (message,) = [m for m in smtp_server.messages if m["To"] == REGISTRANT["email"]]
    assert message["Reply-To"] == "forum@example.org"


@pytest.mark.parametrize("with_association", [True, False])
def test_a_team_organizer_edits_the_event_and_it_stays_with_its_association(client, make_user, make_org, make_event,
                                                                           login, db_query, with_association):
    owner, organizer = make_user(), make_user()
    org_id = make_org(owner=owner) if with_association else None
    slug = make_event(title="Мекендештер", organizer=owner if with_association else None, organization_id=org_id)
    login(make_user(is_admin=True))
    add_member(client, slug, organizer.email, "organizer")
    client.post("/auth/logout")
    login(organizer)
    assert f'value="{org_id or ""}"' in client.get(f"/events/{slug}/manage/edit").get_data(as_text=True)
    saved = client.post(f"/events/{slug}/manage/edit", data={
        "title_ky": "Мекендештер форуму", "organization_id": str(org_id or ""), "timezone": "Asia/Bishkek",
        "starts_at": "2027-06-15T09:00", "ends_at": "2027-06-16T18:00", "city": "Бишкек", "country": "KG"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    event = db_query(lambda db: db.session.scalar(select(Event).where(Event.slug == slug)))
    assert event.organization_id == org_id and event.title["ky"] == "Мекендештер форуму"


def test_the_association_admin_who_creates_an_event_hears_of_its_registrations(client, make_user, make_org, login,
                                                                              db_query, app):
    """The organizer who never heard of anyone (8 registrations waiting for approval, 0 mails): whoever creates an
    event is listed in its team, told by the daily digest or of each registration at once; the listing grants
    nothing of its own, so when their association is no longer published they neither organize nor hear."""
    from diaspora.database import utcnow
    from diaspora.events import team_notify
    from diaspora.models import Organization
    from diaspora.unit_of_work import transaction

    admin = make_user(name="Айбек Осмонов", locale="ru")
    org = make_org(name="Ала-Тоо", owner=admin)
    login(admin)
    created = client.post("/events/new", data={
        "title_ky": "Жыйын", "starts_at": "2027-06-15T09:00", "ends_at": "2027-06-15T18:00", "city": "Бишкек",
        "country": "KG", "organization_id": str(org), "timezone": "Asia/Bishkek", "capacity": "50",
        "requires_approval": "y"})
    assert created.status_code == 302, created.get_data(as_text=True)
    slug = created.headers["Location"].split("/events/")[1].split("/")[0]
    assert client.post(f"/events/{slug}/manage/publish").status_code == 302
    team = client.get(f"/events/{slug}/manage/team", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Айбек Осмонов" in team and f'action="/events/{slug}/manage/team/notify"' in team
    for i in range(8):
        answer = api_register(client, slug, email=f"p{i}@example.org", full_name=f"Катышуучу {i}").get_json()
        assert answer["status"] == "pending"

    def run():
        with app.app_context(), transaction():
            return team_notify.run(utcnow() + team_notify.SETTLE)

    def a_day_ago(db):  # listed a day ago: the digest is due
        for member in db.session.scalars(select(EventTeamMember)):
            member.created_at -= timedelta(days=1)
            member.notified_until -= timedelta(days=1)
        db.session.commit()

    db_query(a_day_ago)
    run()
    (digest,) = mails(db_query, team_notify.DIGEST_KIND)
    assert digest[0] == admin.email and "8" in digest[1]
    assert all(f"Катышуучу {i}" in digest[2] for i in range(8))
    # each one at once, from now on
    assert client.post(f"/events/{slug}/manage/team/notify", data={"notify": "immediately"}).status_code == 302
    api_register(client, slug, email="p9@example.org", full_name="Тогузунчу")
    run()
    (single,) = mails(db_query, team_notify.KIND)
    assert single[0] == admin.email and "Тогузунчу" in single[1]

    def rejected(db):
        db.session.get(Organization, org).status = "rejected"
        db.session.commit()

    db_query(rejected)
    assert client.get(f"/events/{slug}/manage").status_code == 403
    assert client.get(f"/events/{slug}/manage/registrations").status_code == 403
    api_register(client, slug, email="p10@example.org", full_name="Онунчу")
    run()
    assert len(mails(db_query, team_notify.KIND)) == 1  # nothing more

    # a site admin keeps them on the team: the role set on the creator's row now counts
    client.post("/auth/logout")
    login(make_user(is_admin=True))
    team = client.get(f"/events/{slug}/manage/team", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Created the event: hears of its registrations" in team
    row = db_query(lambda db: db.session.scalar(select(EventTeamMember.id).where(
        EventTeamMember.user_id == admin.id)))
    assert client.post(f"/events/{slug}/manage/team/{row}/role", data={"role": "registrations"}).status_code == 302
    assert "Created the event: hears" not in client.get(f"/events/{slug}/manage/team").get_data(as_text=True)
    client.post("/auth/logout")
    login(admin)
    assert client.get(f"/events/{slug}/manage/registrations").status_code == 200
