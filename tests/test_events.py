"""Forum events through HTTP: organizing, registering (form and API), capacity and the waitlist,
approval, the private page, the organizer's dashboard, exports, check-in, reminders, per role."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from diaspora.models import Event, OutboxMessage, Registration
from tests.conftest import REGISTRANT

FORM = {k: ("y" if v is True else v) for k, v in REGISTRANT.items() if k != "language"}


def form(**overrides):
    data = dict(FORM)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def regs_of(db_query, slug):
    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        return db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                  .order_by(Registration.id)).all()
    return db_query(read)


class Mail:
    """A queued message as it will go out: participants' mail is composed when it is sent."""

    def __init__(self, message, composed):
        self.to_address, self.kind, self.locale, self.status = (message.to_address, message.kind, message.locale,
                                                                message.status)
        if isinstance(composed, str):
            self.void, self.subject, self.body_text, self.attachments = composed, None, "", []
        else:
            self.void = None
            self.subject, self.body_text, recipes = composed[:3]
            # an address kept encrypted elsewhere is given by the composer, at sending time
            self.to_address = composed[3] if len(composed) > 3 and composed[3] else self.to_address
            self.attachments = [name for name, _, _ in recipes] + [a.filename for a in message.attachments]


def outbox(db_query):
    from diaspora.mail import compose

    def read(db):
        db.session.expire_all()
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [Mail(m, compose(m) if m.template and not m.body_text else (m.subject, m.body_text, []))
                for m in messages]
    return db_query(read)


def api_register(client, slug, **fields):
    body = {**REGISTRANT, **fields}
    return client.post(f"/api/v1/events/{slug}/registrations", json={k: v for k, v in body.items() if v is not None})


# --- organizing -------------------------------------------------------------------------------

def test_an_association_admin_creates_and_publishes_an_event(client, make_user, make_org, login, db_query):
    owner = make_user()
    org_id = make_org(name="Ала-Тоо", owner=owner)
    login(owner)
    response = client.post("/events/new", data={
        "title_ky": "Мекендештер форуму", "title_ru": "Форум «Мекендештер»", "organization_id": str(org_id),
        "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00", "ends_at": "2027-06-16T18:00",
        "venue_name_ky": "Ала-Арча", "city": "Бишкек", "country": "KG", "capacity": "500"})
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db_query(lambda db: db.session.scalar(select(Event)))
    assert event.slug == "forum-mekendeshter-2027" and event.status == "draft"
    assert event.starts_at.isoformat() == "2027-06-15T03:00:00+00:00"  # 09:00 in Bishkek (UTC+6)
    assert event.latitude == pytest.approx(42.87, abs=0.1)  # placed at Bishkek by the gazetteer
    stranger = client.application.test_client()
    assert stranger.get(f"/events/{event.slug}").status_code == 404  # a draft is not public
    client.post(f"/events/{event.slug}/manage/publish")
    page = stranger.get(f"/events/{event.slug}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Форум «Мекендештер»" in page and "500" in page
    assert "Форум «Мекендештер»" in stranger.get("/events", headers={"Accept-Language": "ru"}).get_data(as_text=True)


def test_event_form_errors_keep_the_input(client, make_user, login):
    login(make_user(is_admin=True))
    page = client.post("/events/new", data={"title_ky": "", "timezone": "Asia/Bishkek", "starts_at": "tomorrow",
                                            "ends_at": "2027-06-16T18:00", "venue_name_ky": "Ала-Арча",
                                            "capacity": "-3"}).get_data(as_text=True)
    assert page.count('class="error"') >= 2 and 'value="Ала-Арча"' in page and 'value="tomorrow"' in page
    page = client.post("/events/new", data={"title_ky": "", "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00",
                                            "ends_at": "2027-06-14T18:00"}).get_data(as_text=True)
    assert 'class="error"' in page


@pytest.mark.parametrize("role, can", [("anonymous", False), ("stranger", False), ("other_org_admin", False),
                                       ("coadmin", True), ("owner", True), ("site_admin", True)])
def test_who_may_manage_an_event(client, make_user, make_org, make_event, login, role, can):
    owner, coadmin, other = make_user(), make_user(), make_user()
    org_id = make_org(owner=owner, admins=[coadmin])
    make_org(name="Other", owner=other)
    slug = make_event(organizer=owner, organization_id=org_id, status="draft")
    users = {"stranger": make_user(), "other_org_admin": other, "coadmin": coadmin, "owner": owner,
             "site_admin": make_user(is_admin=True)}
    if role != "anonymous":
        login(users[role])
    for url in [f"/events/{slug}/manage", f"/events/{slug}/manage/registrations", f"/events/{slug}/manage/export.csv",
                f"/events/{slug}/manage/export.xlsx", f"/events/{slug}/manage/checkin", f"/events/{slug}/manage/edit",
                f"/events/{slug}/manage/programme"]:
        status = client.get(url).status_code
        assert (status == 200) == can, (url, status)
    publish = client.post(f"/events/{slug}/manage/publish")
    assert (publish.status_code == 302 and "/manage" in publish.headers["Location"]) == can


def test_only_organizers_may_create_events(client, make_user, login):
    login(make_user())
    assert client.get("/events/new").status_code == 403


def test_programme_and_questions(client, make_user, make_event, login, event_ids):
    admin = make_user(is_admin=True)
    slug = make_event(status="draft")
    login(admin)
    client.post(f"/events/{slug}/manage/programme", data={
        "title_ky": "Инвестиция жана бизнес", "title_en": "Investment and business", "starts_at": "2027-06-15T10:00",
        "ends_at": "2027-06-15T12:00", "room_ky": "Зал 1", "capacity": "2"})
    client.post(f"/events/{slug}/manage/questions", data={
        "kind": "choice", "label_ky": "Тамак", "label_en": "Meal", "options_ky": "Эт\nВегетариандык",
        "options_en": "Meat\nVegetarian", "required": "y"})
    bad = client.post(f"/events/{slug}/manage/questions", data={"kind": "choice", "label_en": "One option",
                                                                "options_en": "Only"})
    assert 'class="error"' in bad.get_data(as_text=True)
    sessions, questions = event_ids(slug)
    assert len(sessions) == 1 and len(questions) == 1
    client.post(f"/events/{slug}/manage/publish")
    page = client.get(f"/events/{slug}/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Investment and business" in page and "Vegetarian" in page


# --- registering ----------------------------------------------------------------------------

def test_register_with_the_form_then_see_the_private_page(client, make_event, db_query):
    slug = make_event(capacity=10)
    client.get("/lang/ky")
    response = client.post(f"/events/{slug}/register", data=form())
    assert response.status_code == 302
    (registration,) = regs_of(db_query, slug)
    assert registration.status == "confirmed" and registration.language == "ky"
    assert f"/r/{registration.token}" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert registration.code in text and "<svg" in text  # the check-in code and its QR
    (message,) = outbox(db_query)
    assert message.to_address == "aigul@example.org" and message.locale == "ky"
    assert f"/r/{registration.token}" in message.body_text
    assert sorted(message.attachments) == ["event.ics", "ticket.pdf"]
    ticket = client.get(f"/r/{registration.token}/ticket.pdf")
    assert ticket.status_code == 200 and ticket.data.startswith(b"%PDF")
    ics = client.get(f"/r/{registration.token}/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in ics


def test_a_rejected_form_keeps_everything_typed(client, make_event):
    slug = make_event()
    page = client.post(f"/events/{slug}/register", data=form(email="not-an-email", consent=None,
                                                             city="Екатеринбург")).get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="consent-error"' in page
    assert 'value="Айгүл Токтогулова"' in page and 'value="Екатеринбург"' in page and 'value="not-an-email"' in page


def test_logged_in_people_find_their_details_prefilled(client, make_user, login, make_event):
    slug = make_event()
    login(make_user(email="me@example.org", name="Бакыт"))
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert 'value="me@example.org"' in page and 'value="Бакыт"' in page


def test_capacity_then_waitlist_with_positions(client, make_event, db_query):
    slug = make_event(capacity=2)
    answers = [api_register(client, slug, email=f"p{i}@example.org").get_json() for i in range(5)]
    assert [a["status"] for a in answers] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [a["waitlist_position"] for a in answers] == [None, None, 1, 2, 3]
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert 'id="places"' in page
    private = client.get(answers[3]["manage_url"].split("5000", 1)[1]).get_data(as_text=True)
    assert 'id="waitlist-position"' in private and "2" in private


def test_the_same_email_twice_is_one_registration_and_the_link_is_sent_again(client, make_event, db_query):
    slug = make_event()
    first = client.post(f"/events/{slug}/register", data=form())
    second = client.post(f"/events/{slug}/register", data=form(email="AIGUL@example.org", full_name="Someone else"))
    assert first.status_code == second.status_code == 302
    assert "/r/" not in second.headers["Location"]  # whoever typed it does not get the private link
    assert len(regs_of(db_query, slug)) == 1
    (registration,) = regs_of(db_query, slug)
    assert registration.full_name == "Айгүл Токтогулова"
    mails = outbox(db_query)
    assert len(mails) == 2 and f"/r/{registration.token}" in mails[1].body_text
    assert api_register(client, slug).status_code == 409


def test_cancelling_promotes_the_first_on_the_waitlist(client, make_event, db_query, login, make_user):
    slug = make_event(capacity=1)
    first = api_register(client, slug, email="first@example.org").get_json()
    api_register(client, slug, email="second@example.org", language="ru")
    api_register(client, slug, email="third@example.org")
    client.post(f"/r/{first['manage_url'].rsplit('/', 1)[1]}/cancel", data={"confirm": "yes"})
    statuses = {r.email: (r.status, r.waitlist_seq) for r in regs_of(db_query, slug)}
    assert statuses["first@example.org"][0] == "cancelled"
    assert statuses["second@example.org"] == ("confirmed", None)
    assert statuses["third@example.org"][0] == "waitlisted"
    promoted = [m for m in outbox(db_query) if m.to_address == "second@example.org"][-1]
    assert promoted.kind == "registration_promoted" and promoted.locale == "ru"
    assert sorted(promoted.attachments) == ["event.ics", "ticket.pdf"]
    third = next(r for r in regs_of(db_query, slug) if r.email == "third@example.org")
    assert 'id="waitlist-position"' in client.get(f"/r/{third.token}").get_data(as_text=True)
    # cancelling twice changes nothing
    client.post(f"/r/{first['manage_url'].rsplit('/', 1)[1]}/cancel", data={"confirm": "yes"})
    assert [r.status for r in regs_of(db_query, slug)].count("confirmed") == 1


def test_a_cancelled_person_may_register_again_with_a_new_link(client, make_event, db_query):
    """Whoever registers a cancelled address again gets a new link, and only what they typed: never the
    old registration's link or answers."""
    slug = make_event(capacity=5)
    first = api_register(client, slug, phone="+996 555 111 222").get_json()
    token = first["manage_url"].rsplit("/", 1)[1]
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})
    again = client.post(f"/events/{slug}/register", data=form(full_name="Someone Else", phone=""))
    new_token = again.headers["Location"].split("/r/", 1)[1].split("?")[0]
    assert new_token != token
    assert client.get(f"/r/{token}").status_code == 404  # the old link is dead
    page = client.get(f"/r/{new_token}").get_data(as_text=True)
    assert "Someone Else" in page and "555 111 222" not in page
    (registration,) = regs_of(db_query, slug)
    assert registration.status == "confirmed" and registration.phone is None


def test_approval_flow(client, make_user, make_event, login, db_query):
    admin = make_user(is_admin=True)
    slug = make_event(capacity=1, approval=True)
    a = api_register(client, slug, email="a@example.org").get_json()
    b = api_register(client, slug, email="b@example.org").get_json()
    assert (a["status"], b["status"]) == ("pending", "waitlisted")  # a pending registration holds its place
    login(admin)
    page = client.get(f"/events/{slug}/manage/registrations?status=pending").get_data(as_text=True)
    assert "a@example.org" in page and "b@example.org" not in page
    assert client.post(f"/events/{slug}/manage/registrations/{a['id']}/reject", data={"reason": ""}).status_code == 302
    assert regs_of(db_query, slug)[0].status == "pending"  # a reason is required
    client.post(f"/events/{slug}/manage/registrations/{a['id']}/reject", data={"reason": "Only residents of Russia"})
    a_reg, b_reg = regs_of(db_query, slug)
    assert a_reg.status == "rejected" and b_reg.status == "pending"  # b moved up, to approval
    rejection = [m for m in outbox(db_query) if m.to_address == "a@example.org"][-1]
    assert rejection.kind == "registration_rejected" and "Only residents of Russia" in rejection.body_text
    client.post(f"/events/{slug}/manage/registrations/{b['id']}/approve")
    assert regs_of(db_query, slug)[1].status == "confirmed"
    confirmation = [m for m in outbox(db_query) if m.to_address == "b@example.org"][-1]
    assert confirmation.kind == "registration_confirmed"


def test_a_full_session_puts_the_person_on_its_waitlist_instead_of_refusing(client, make_event, event_ids, db_query):
    slug = make_event(capacity=3, sessions=[{"title": "Бизнес", "capacity": 1}, {"title": "Маданият"}])
    (business, culture), _ = event_ids(slug)
    assert api_register(client, slug, email="a@example.org", sessions=[business, culture]).status_code == 201
    full = api_register(client, slug, email="b@example.org", sessions=[business])
    assert full.status_code == 201 and full.get_json()["status"] == "confirmed"  # the event's place is theirs
    page = client.post(f"/events/{slug}/register", data={**form(email="c@example.org"), "sessions": [str(business)]})
    assert page.status_code == 302
    private = client.get(page.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "waiting, position 2" in private
    show = client.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Бизнес" in show and "Full: you can wait for a seat" in show


def test_promotion_keeps_a_full_session_as_waiting_and_says_so(client, make_event, event_ids, db_query):
    slug = make_event(capacity=1, sessions=[{"title": "Бизнес", "capacity": 1}])
    (business,), _ = event_ids(slug)
    first = api_register(client, slug, email="a@example.org", sessions=[business]).get_json()
    api_register(client, slug, email="b@example.org", sessions=[business], language="en")  # waitlisted: a wish
    # the organizer raises the event's capacity: b gets a place, and waits for the session, still full
    with client.application.app_context():
        from diaspora.events import registrations, services
        from diaspora.extensions import db

        event = services.event_by_slug(slug)
        event.capacity = 2
        registrations.lock_event(event.id)
        registrations.promote(event)
        db.session.commit()
    a, b = regs_of(db_query, slug)
    assert b.status == "confirmed" and b.session_ids == [business] and a.session_ids == [business]
    mail = [m for m in outbox(db_query) if m.to_address == "b@example.org"][-1]
    assert "Бизнес" in mail.body_text and "you wait for a seat" in mail.body_text
    assert first["status"] == "confirmed"


def test_organizer_questions_are_validated(client, make_event, event_ids):
    slug = make_event(questions=[{"kind": "choice", "label": "Тамак", "options": [{"ky": "Эт"}, {"ky": "Жашылча"}],
                                  "required": True},
                                 {"kind": "yesno", "label": "Мейманкана керекпи?"},
                                 {"kind": "text", "label": "Суроо"}])
    _, (meal, hotel, text) = event_ids(slug)
    missing = api_register(client, slug)
    assert missing.status_code == 422 and f"answers.{meal}" in missing.get_json()["error"]["fields"]
    bad = api_register(client, slug, answers={str(meal): 7, str(hotel): "maybe"})
    assert set(bad.get_json()["error"]["fields"]) == {f"answers.{meal}", f"answers.{hotel}"}
    ok = api_register(client, slug, answers={str(meal): 1, str(hotel): True, str(text): "Саламатсызбы"})
    assert ok.status_code == 201
    page = client.post(f"/events/{slug}/register", data=form(email="x@example.org", **{f"q_{meal}": ""}))
    assert f'id="q_{meal}-error"' in page.get_data(as_text=True)


@pytest.mark.parametrize("kwargs, message", [
    ({"closes_in_past": True}, "closed"),
    ({"opens_in_future": True}, "not opened"),
    ({"status": "cancelled"}, "cancelled"),
])
def test_registration_outside_its_window_is_refused(client, make_event, kwargs, message):
    from datetime import timedelta

    from diaspora.database import utcnow

    extra = {}
    if kwargs.get("closes_in_past"):
        extra["closes_at"] = utcnow() - timedelta(days=1)
    if kwargs.get("opens_in_future"):
        extra["opens_at"] = utcnow() + timedelta(days=1)
    slug = make_event(status=kwargs.get("status", "published"), **extra)
    response = api_register(client, slug)
    assert response.status_code == 409 and message in response.get_json()["error"]["message"]
    page = client.get(f"/events/{slug}/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="registration-form"' not in page
    refused = client.post(f"/events/{slug}/register", data=form(), headers={"Accept-Language": "en"})
    assert refused.status_code == 409 and message in refused.get_data(as_text=True)


# --- the private page ---------------------------------------------------------------------------

def test_private_page_edits_answers_but_not_the_email(client, make_event, db_query):
    slug = make_event()
    token = api_register(client, slug).get_json()["manage_url"].rsplit("/", 1)[1]
    client.post(f"/r/{token}", data=form(city="Казань", email="evil@example.org", public_listing="y"))
    (registration,) = regs_of(db_query, slug)
    assert registration.city == "Казань" and registration.email == "aigul@example.org" and registration.public_listing
    bad = client.post(f"/r/{token}", data=form(city=""))
    assert 'id="city-error"' in bad.get_data(as_text=True)


def test_unknown_tokens_and_tickets_before_confirmation(client, make_event):
    slug = make_event(capacity=0)
    token = api_register(client, slug).get_json()["manage_url"].rsplit("/", 1)[1]
    assert client.get("/r/not-a-token").status_code == 404
    assert client.get("/r/" + "x" * 500).status_code == 404
    assert client.get(f"/r/{token}/ticket.pdf").status_code == 404  # waitlisted: no ticket yet


# --- public pages and privacy ----------------------------------------------------------------

def test_participants_list_shows_only_those_who_agreed(client, make_event):
    slug = make_event()
    api_register(client, slug, full_name="Public Person", email="pub@example.org", public_listing=True)
    api_register(client, slug, full_name="Private Person", email="priv@example.org", phone="+996 555 000 111")
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "Public Person" in page
    for secret in ("Private Person", "priv@example.org", "pub@example.org", "+996 555 000 111"):
        assert secret not in page
    api = client.get("/api/v1/events").get_data(as_text=True)
    assert "Private Person" not in api and "pub@example.org" not in api


def test_event_calendar_file(client, make_event):
    slug = make_event(title="Мекендештер", sessions=[{"title": "Бизнес", "room": "Зал 1"}])
    response = client.get(f"/events/{slug}/calendar.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    text = response.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 2 and "Мекендештер" in text


def test_hostile_text_in_events_is_escaped(client, make_event):
    hostile = '<script>alert(1)</script>${alert(2)}'
    slug = make_event(title=hostile, venue_name=hostile)
    api_register(client, slug, full_name=hostile, public_listing=True)
    for url in [f"/events/{slug}", "/events", f"/events/{slug}/register"]:
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page, url


# --- the organizer's dashboard -------------------------------------------------------------------

@pytest.fixture
def busy_event(client, make_event, event_ids):
    slug = make_event(capacity=3, sessions=[{"title": "Бизнес"}])
    (business,), _ = event_ids(slug)
    people = [
        dict(full_name="Айбек Осмонов", email="aibek@example.org", country="RU", home_region="osh", sessions=[business],
             sector="construction"),
        dict(full_name="Гүлнара Асанова", email="gulnara@example.org", country="KZ", home_region="batken",
             sector="trade"),
        dict(full_name="=HYPERLINK(\"http://evil\")", email="evil@example.org", country="TR", city="+Istanbul",
             home_region="naryn"),
        dict(full_name="Waiting Person", email="wait@example.org", country="RU", home_region="osh"),
    ]
    for person in people:
        assert api_register(client, slug, **person).status_code == 201
    return slug, business


def test_dashboard_filters_and_search(client, make_user, login, busy_event):
    slug, business = busy_event
    login(make_user(is_admin=True))
    base = f"/events/{slug}/manage/registrations"

    def names(query):
        page = client.get(f"{base}?{query}").get_data(as_text=True)
        return re.findall(r'/registrations/\d+">([^<]+)</a>', page)

    assert len(names("")) == 4
    assert names("status=waitlisted") == ["Waiting Person"]
    assert sorted(names("country=RU")) == ["Waiting Person", "Айбек Осмонов"]
    assert names("home_region=batken") == ["Гүлнара Асанова"]
    assert names(f"session={business}") == ["Айбек Осмонов"]
    assert names("q=ГҮЛНАРА") == ["Гүлнара Асанова"]  # Kyrgyz letters, any case
    assert names("checked_in=yes") == []
    page = client.get(f"/events/{slug}/manage").get_data(as_text=True)
    assert 'id="figures"' in page


def test_exports_escape_formulas_and_follow_the_filters(client, make_user, login, busy_event):
    slug, _ = busy_event
    login(make_user(is_admin=True))
    text = client.get(f"/events/{slug}/manage/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 5
    cells = [c for row in rows[1:] for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'+Istanbul" in cells
    phone = re.compile(r"\+[0-9 ()-]+")  # a phone is exported as it is: no formula can start with it
    assert not any(c.startswith(("=", "+", "@")) and not phone.fullmatch(c) for c in cells)
    filtered = client.get(f"/events/{slug}/manage/export.csv?country=KZ").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(filtered)))) == 2

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"/events/{slug}/manage/export.xlsx").data))
    sheet = workbook.active
    values = [cell for row in sheet.iter_rows() for cell in row]
    evil = [c for c in values if c.value == '=HYPERLINK("http://evil")']
    assert evil and all(c.data_type == "s" for c in evil)


def test_badges_and_message_to_the_filtered_people(client, make_user, login, busy_event, db_query):
    slug, _ = busy_event
    login(make_user(is_admin=True))
    badges = client.get(f"/events/{slug}/manage/badges.pdf")
    assert badges.status_code == 200 and badges.data.startswith(b"%PDF")
    before = len(outbox(db_query))
    response = client.post(f"/events/{slug}/manage/message?country=RU",
                           data={"subject": "Автобус", "body": "Автобус саат 8де."})
    assert response.status_code == 302
    sent = outbox(db_query)[before:]
    assert sorted(m.to_address for m in sent) == ["aibek@example.org", "wait@example.org"]
    assert all(m.subject == "Автобус" and "/r/" in m.body_text for m in sent)


def test_check_in_by_code(client, make_user, login, busy_event, db_query):
    slug, _ = busy_event
    login(make_user(is_admin=True))
    people = regs_of(db_query, slug)
    confirmed = people[0]
    waitlisted = next(r for r in people if r.status == "waitlisted")
    first = client.post(f"/events/{slug}/manage/checkin", data={"code": confirmed.code.lower()})
    assert "Айбек Осмонов" in first.get_data(as_text=True)
    assert regs_of(db_query, slug)[0].checked_in_at is not None
    again = client.post(f"/events/{slug}/manage/checkin.json", json={"code": confirmed.code}).get_json()
    assert again["result"] == "already" and re.search(r"\d\d:\d\d", again["message"])
    checkin = f"/events/{slug}/manage/checkin.json"
    assert client.post(checkin, json={"code": waitlisted.code}).get_json()["result"] == "not_confirmed"
    assert client.post(checkin, json={"code": "NOPE1234"}).get_json()["result"] == "unknown"


def test_reminders_go_once(runner, make_event, client, db_query):
    slug = make_event(starts_in_days=1)
    make_event(title="Later", starts_in_days=20)
    api_register(client, slug, email="soon@example.org")
    result = runner.invoke(args=["send-reminders"])
    assert "Reminders queued: 1" in result.output
    assert "Reminders queued: 0" in runner.invoke(args=["send-reminders"]).output
    reminder = [m for m in outbox(db_query) if m.kind == "event_reminder"]
    assert len(reminder) == 1 and reminder[0].to_address == "soon@example.org"


def test_cancelling_an_event_tells_everyone(client, make_user, login, make_event, db_query):
    slug = make_event(capacity=1)
    api_register(client, slug, email="a@example.org")
    api_register(client, slug, email="b@example.org")
    login(make_user(is_admin=True))
    client.post(f"/events/{slug}/manage/cancel", data={"confirm": "yes"})
    told = sorted(m.to_address for m in outbox(db_query) if m.kind == "event_cancelled")
    assert told == ["a@example.org", "b@example.org"]
    assert api_register(client, slug, email="c@example.org").status_code == 409


def test_raising_the_capacity_promotes_from_the_waitlist(client, make_user, login, make_event, db_query):
    admin = make_user(is_admin=True)
    slug = make_event(capacity=1)
    api_register(client, slug, email="a@example.org")
    api_register(client, slug, email="b@example.org")
    login(admin)
    page = client.get(f"/events/{slug}/manage/edit").get_data(as_text=True)
    values = {name: value for tag in re.findall(r"<input[^>]+>", page) if 'type="checkbox"' not in tag
              for name in re.findall(r'name="(\w+)"', tag) for value in re.findall(r'value="([^"]*)"', tag)}
    client.post(f"/events/{slug}/manage/edit", data={**values, "timezone": "Asia/Bishkek", "capacity": "2",
                                                     "country": "KG"})
    assert [r.status for r in regs_of(db_query, slug)] == ["confirmed", "confirmed"]


# --- API and CLI ------------------------------------------------------------------------------

def test_api_lists_upcoming_events(client, make_event):
    make_event(title="Soon", starts_in_days=3)
    make_event(title="Draft", status="draft")
    events = client.get("/api/v1/events").get_json()["events"]
    assert [e["title"]["ky"] for e in events] == ["Soon"]
    assert events[0]["registration"] == "open" and events[0]["places_left"] == 100
    assert events[0]["url"].endswith(f"/events/{events[0]['slug']}")


@pytest.mark.parametrize("body, status, field", [
    ({"consent": False}, 422, "consent"),
    ({"email": "nope"}, 422, "email"),
    ({"country": "XX"}, 422, "country"),
    ({"home_region": "moon"}, 422, "home_region"),
    ({"sessions": [999999]}, 422, "sessions"),
    ({"sessions": "abc"}, 422, "sessions"),
    ({"organization_id": 999999}, 422, "organization_id"),
    ({"full_name": 12}, 422, "full_name"),
    ({"full_name": "x" * 300}, 422, "full_name"),
    ({"surprise": 1}, 422, "surprise"),
])
def test_api_registration_errors_name_the_field(client, make_event, body, status, field):
    slug = make_event()
    response = api_register(client, slug, **body)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert field in error["fields"] and error["message"]


def test_api_registration_other_errors(client, make_event):
    slug = make_event()
    assert client.post("/api/v1/events/nope/registrations", json=REGISTRANT).status_code == 404
    assert client.post(f"/api/v1/events/{slug}/registrations", data="not json",
                       content_type="application/json").status_code == 400
    assert client.post(f"/api/v1/events/{slug}/registrations", json=[1, 2]).status_code == 400


@pytest.fixture
def limits_on(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="3 per minute")


def test_registration_is_rate_limited(limits_on, client, make_event):
    slug = make_event()
    codes = [api_register(client, slug, email=f"r{i}@example.org").status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_create_event_command(runner, db_query):
    result = runner.invoke(args=["create-event", "--title", "Мекендештер 2026", "--starts", "2026-12-20T09:00",
                                 "--ends", "2026-12-21T18:00", "--capacity", "500", "--publish"])
    assert result.exit_code == 0, result.output
    slug = result.output.split()[-1]
    event = db_query(lambda db: db.session.scalar(select(Event).where(Event.slug == slug)))
    assert event.capacity == 500 and event.status == "published" and event.title["ky"] == "Мекендештер 2026"
    assert event.starts_at.isoformat() == "2026-12-20T03:00:00+00:00"
    bad = runner.invoke(args=["create-event", "--title", "X", "--starts", "soon", "--ends", "later",
                              "--capacity", "5"])
    assert bad.exit_code != 0 and "ISO" in bad.output


def test_only_the_check_in_page_may_use_the_camera(client, make_user, login, make_event):
    slug = make_event()
    login(make_user(is_admin=True))
    assert "camera=(self)" in client.get(f"/events/{slug}/manage/checkin").headers["Permissions-Policy"]
    assert "camera=()" in client.get(f"/events/{slug}").headers["Permissions-Policy"]


def test_changes_to_an_event_apply_to_the_very_next_registration(client, make_user, login, make_event, event_ids,
                                                                   db_query):
    """The registration path keeps a copy of each event's rules; a change must never be missed."""
    slug = make_event(capacity=1)
    assert api_register(client, slug, email="a@example.org").get_json()["status"] == "confirmed"
    login(make_user(is_admin=True))
    client.post(f"/events/{slug}/manage/programme", data={
        "title_ky": "Жаңы секция", "starts_at": "2027-06-15T10:00", "ends_at": "2027-06-15T12:00"})
    (new_session,), _ = event_ids(slug)
    page = client.get(f"/events/{slug}/manage/edit").get_data(as_text=True)
    values = {name: value for tag in re.findall(r"<input[^>]+>", page) if 'type="checkbox"' not in tag
              for name in re.findall(r'name="(\w+)"', tag) for value in re.findall(r'value="([^"]*)"', tag)}
    client.post(f"/events/{slug}/manage/edit", data={**values, "timezone": "Asia/Bishkek", "capacity": "2",
                                                     "country": "KG"})
    second = api_register(client, slug, email="b@example.org", sessions=[new_session])
    assert second.status_code == 201 and second.get_json()["status"] == "confirmed"
    client.post(f"/events/{slug}/manage/cancel", data={"confirm": "yes"})
    assert api_register(client, slug, email="c@example.org").status_code == 409


def test_the_event_counters_always_match_the_registrations(client, make_user, login, make_event, db_query):
    """Registering decides from counters on the event row; every other change recounts them from the rows."""
    slug = make_event(capacity=2, approval=True)

    def check():
        def read(db):
            db.session.expire_all()
            event = db.session.scalar(select(Event).where(Event.slug == slug))
            rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
            holding = sum(r.status in ("confirmed", "pending") for r in rows)
            waiting = sum(r.status == "waitlisted" for r in rows)
            return (event.places_taken, event.waiting), (holding, waiting)
        counters, counted = db_query(read)
        assert counters == counted

    ids = [api_register(client, slug, email=f"p{i}@example.org").get_json()["id"] for i in range(4)]
    check()
    api_register(client, slug, email="p0@example.org")  # a duplicate
    check()
    login(make_user(is_admin=True))
    client.post(f"/events/{slug}/manage/registrations/{ids[0]}/approve")
    client.post(f"/events/{slug}/manage/registrations/{ids[1]}/reject", data={"reason": "no"})
    check()
    token = next(r for r in regs_of(db_query, slug) if r.id == ids[2]).token
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})
    check()
    assert api_register(client, slug, email="p2@example.org").status_code == 201  # back after cancelling
    check()


@pytest.mark.parametrize("raw", [
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, '
    '"sessions": [Infinity]}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, '
    '"organization_id": 1e400}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, '
    '"home_region": ["osh"]}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, "sector": {}}',
    '{"full_name": "A\\u0000B", "email": "a@example.org", "country": "RU", "city": "X", "consent": true}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X\\u0007", "consent": true}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, "language": "xx"}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, "sessions": [true]}',
    '{"full_name": "A", "email": "a@example.org", "country": "RU", "city": "X", "consent": true, "sessions": [1.5]}',
    "[" * 100000 + "]" * 100000,
    '{"full_name": NaN}',
    '{"a": ' * 5000 + "1" + "}" * 5000,
])
def test_odd_json_is_answered_not_crashed_on(client, make_event, raw):
    slug = make_event(sessions=[{"title": "S"}])
    response = client.post(f"/api/v1/events/{slug}/registrations", data=raw, content_type="application/json")
    assert response.status_code in (400, 413, 422), response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["message"]


def test_odd_answers_to_questions_are_refused(client, make_event, event_ids):
    slug = make_event(questions=[{"kind": "choice", "label": "Тамак", "options": [{"ky": "Эт"}, {"ky": "Жашылча"}]},
                                 {"kind": "text", "label": "Суроо"}])
    _, (meal, text) = event_ids(slug)
    response = api_register(client, slug, answers={str(meal): 1.9, str(text): ["a", "list"]})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {f"answers.{meal}", f"answers.{text}"}


def test_a_place_freed_in_a_cancelled_event_goes_to_nobody(client, make_user, login, make_event, db_query):
    slug = make_event(capacity=1)
    first = api_register(client, slug, email="a@example.org").get_json()
    api_register(client, slug, email="b@example.org")
    login(make_user(is_admin=True))
    client.post(f"/events/{slug}/manage/cancel", data={"confirm": "yes"})
    client.post(f"/r/{first['manage_url'].rsplit('/', 1)[1]}/cancel", data={"confirm": "yes"})
    statuses = {r.email: r.status for r in regs_of(db_query, slug)}
    assert statuses == {"a@example.org": "cancelled", "b@example.org": "waitlisted"}
    assert not [m for m in outbox(db_query) if m.kind == "registration_promoted"]
    private = client.get(f"/r/{first['manage_url'].rsplit('/', 1)[1]}", headers={"Accept-Language": "en"})
    client.get("/lang/en")
    private = client.get(f"/r/{first['manage_url'].rsplit('/', 1)[1]}").get_data(as_text=True)
    assert "This event was cancelled." in private
    assert client.post(f"/events/{slug}/manage/publish").status_code == 302  # refused: not a draft
    assert api_register(client, slug, email="c@example.org").status_code == 409


def test_moving_up_elsewhere_does_not_silence_a_new_confirmation(client, make_event, db_query):
    a = make_event(title="A", capacity=1)
    b = make_event(title="B", capacity=5)
    first = api_register(client, a, email="first@example.org").get_json()
    api_register(client, a, email="me@example.org")  # waitlisted in A
    api_register(client, b, email="me@example.org")  # confirmed in B
    client.post(f"/r/{first['manage_url'].rsplit('/', 1)[1]}/cancel", data={"confirm": "yes"})  # I move up in A
    mine = [m for m in outbox(db_query) if m.to_address == "me@example.org"]
    confirmed_in_b = [m for m in mine if m.void is None and m.subject and "B" in m.subject]
    assert confirmed_in_b, [(m.kind, m.void, m.subject) for m in mine]


def test_admins_of_an_unpublished_association_no_longer_organize(client, make_user, make_org, make_event, login,
                                                                 db_query):
    owner = make_user()
    org_id = make_org(owner=owner)
    slug = make_event(organizer=owner, organization_id=org_id)
    login(owner)
    assert client.get(f"/events/{slug}/manage").status_code == 200
    from diaspora.models import Organization

    with client.application.app_context():
        from diaspora.extensions import db

        db.session.get(Organization, org_id).status = "rejected"
        db.session.commit()
    assert client.get(f"/events/{slug}/manage").status_code == 403
    assert client.get(f"/events/{slug}/manage/export.csv").status_code == 403


@pytest.mark.parametrize("role, allowed", [("stranger", False), ("other_org_admin", False), ("coadmin", True),
                                           ("site_admin", True)])
def test_who_may_act_on_registrations(client, make_user, make_org, make_event, login, db_query, role, allowed):
    owner, coadmin, other = make_user(), make_user(), make_user()
    org_id = make_org(owner=owner, admins=[coadmin])
    make_org(name="Other", owner=other)
    slug = make_event(organizer=owner, organization_id=org_id, approval=True, starts_in_days=1)
    a = api_register(client, slug, email="a@example.org").get_json()
    b = api_register(client, slug, email="b@example.org").get_json()
    users = {"stranger": make_user(), "other_org_admin": other, "coadmin": coadmin,
             "site_admin": make_user(is_admin=True)}
    login(users[role])
    codes = {
        "approve": client.post(f"/events/{slug}/manage/registrations/{a['id']}/approve").status_code,
        "reject": client.post(f"/events/{slug}/manage/registrations/{b['id']}/reject",
                              data={"reason": "x"}).status_code,
        "checkin": client.post(f"/events/{slug}/manage/checkin.json", json={"code": "X"}).status_code,
        "reminders": client.post(f"/events/{slug}/manage/reminders").status_code,
        "message": client.post(f"/events/{slug}/manage/message", data={"subject": "s", "body": "b"}).status_code,
        "programme": client.post(f"/events/{slug}/manage/programme", data={
            "title_ky": "S", "starts_at": "2027-06-15T10:00", "ends_at": "2027-06-15T12:00"}).status_code,
    }
    statuses = sorted(r.status for r in regs_of(db_query, slug))
    if allowed:
        assert all(code in (200, 302) for code in codes.values()), codes
        assert statuses == ["confirmed", "rejected"]
    else:
        assert all(code == 403 for code in codes.values()), codes
        assert statuses == ["pending", "pending"]
        assert not [m for m in outbox(db_query) if m.kind in ("organizer_message", "event_reminder")]


def test_organizer_pages_speak_the_organizer_language(client, make_user, make_event, login, make_org):
    slug = make_event()
    login(make_user(is_admin=True))
    client.get("/lang/ky")
    page = client.get(f"/events/{slug}/manage/questions").get_data(as_text=True)
    assert "Yes or no" not in page and "A choice" not in page
    org_id = make_org()
    report = client.get(f"/organizations/{org_id}/report").get_data(as_text=True)
    assert "The information is outdated" not in report


def test_odd_organizer_input(client, make_user, make_event, login):
    slug = make_event()
    login(make_user(is_admin=True))
    assert client.get(f"/events/{slug}/manage/registrations?session=99999999999999999999").status_code == 200
    assert client.get(f"/events/{slug}/manage/export.csv?session=99999999999999999999").status_code == 200
    assert client.post(f"/events/{slug}/manage/checkin.json", json=[1, 2]).get_json()["result"] == "unknown"
    page = client.post("/events/new", data={"title_ky": "X", "timezone": "Asia/Bishkek",
                                            "starts_at": "0001-01-01T00:00", "ends_at": "0001-01-02T00:00"})
    assert page.status_code == 200 and 'id="starts_at-error"' in page.get_data(as_text=True)


def test_the_link_is_not_mailed_again_and_again(client, make_event, db_query):
    slug = make_event()
    api_register(client, slug)
    for _ in range(5):
        assert api_register(client, slug).status_code == 409
    links = [m for m in outbox(db_query) if m.kind == "registration_link"]
    assert len(links) == 1


def test_with_a_big_directory_the_association_is_typed_not_chosen(client, make_event, make_org, db_query, app):
    from sqlalchemy import insert

    from diaspora.database import utcnow
    from diaspora.events import routes
    from diaspora.extensions import db
    from diaspora.models import Organization

    slug = make_event()
    make_org(name="Ала-Тоо", city="Москва")
    make_org(name="Ала-Тоо", city="Дубай", country="AE", lat=25.2, lng=55.27)
    make_org(name="Кыргыз биримдиги", city="Москва")
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(Organization), [
            {"name": f"Org {i}", "country": "RU", "city": "X", "status": "published", "description": "",
             "location_source": "none", "is_demo": False, "search_text": "", "sort_key": f"org {i}",
             "dedupe_key": f"org {i}|RU|x", "created_at": now, "updated_at": now}
            for i in range(routes.ORGANIZATIONS_IN_A_LIST)])
        db.session.commit()
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert '<select id="organization_id"' not in page and 'name="organization_id"' in page
    assert len(page) < 100_000
    ok = client.post(f"/events/{slug}/register", data=form(organization_id="кыргыз БИРИМДИГИ"))
    assert ok.status_code == 302
    ambiguous = client.post(f"/events/{slug}/register", data=form(email="b@example.org", organization_id="Ала-Тоо"))
    assert 'id="organization_id-error"' in ambiguous.get_data(as_text=True)
    assert 'value="Ала-Тоо"' in ambiguous.get_data(as_text=True)  # kept as typed
    precise = client.post(f"/events/{slug}/register",
                          data=form(email="b@example.org", organization_id="Ала-Тоо (Дубай)"))
    assert precise.status_code == 302
    cities = db_query(lambda db: sorted(db.session.get(Organization, r.organization_id).city
                                        for r in regs_of(db_query, slug) if r.organization_id))
    assert cities == ["Дубай", "Москва"]
