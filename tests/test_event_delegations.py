"""Delegations through HTTP: a head registers several people at once (API and form), members placed in order
across the waitlist boundary, approval events, errors naming the member and the field, mail, the head's private
page (editing, adding, cancelling one or all), and the organizer's view and exports."""
import re

import pytest
from sqlalchemy import select, text

from diaspora.models import Delegation, Event, OutboxMessage, Registration
from tests.conftest import REGISTRANT
from tests.test_event_mail import work
from tests.test_events import outbox

HEAD = {"full_name": "Бакыт Осмонов", "email": "bakyt@example.org", "phone": "+996 555 123 456"}
EN = {"Accept-Language": "en"}
NAMES = ["Айбек Ташиев", "Гүлнара Жумабаева", "Нурлан Садыков", "Жыпар Асанова", "Эрлан Мамытов"]


def member(i: int, **fields) -> dict:
    body = {"full_name": NAMES[i % len(NAMES)], "email": f"member{i}@example.org", "country": "KG", "city": "Ош",
            "home_region": "osh", "sector": "trade"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def delegation_body(members, **fields) -> dict:
    body = {"head": dict(HEAD), "members": members, "consent": True, "language": "ky",
            "name": "Ош облусунун ишкер делегациясы"}
    body.update(fields)
    return body


def post_delegation(client, slug, body):
    return client.post(f"/api/v1/events/{slug}/delegations", json=body)


def rows(db_query, slug):
    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        return db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                  .order_by(Registration.id)).all()
    return db_query(read)


def head_page_path(answer_json) -> str:
    return "/" + answer_json["manage_url"].split("/", 3)[3]


# --- the API ------------------------------------------------------------------------------------

def test_members_are_placed_in_order_across_the_waitlist_boundary(client, make_event, db_query):
    slug = make_event(capacity=3)
    assert client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).status_code == 201
    response = post_delegation(client, slug, delegation_body([member(i) for i in range(4)]))
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert [m["full_name"] for m in answer["members"]] == NAMES[:4]
    assert [m["status"] for m in answer["members"]] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [m["waitlist_position"] for m in answer["members"]] == [None, None, 1, 2]
    assert all(re.fullmatch(r"[A-Z0-9]{8}", m["code"]) for m in answer["members"])
    assert "/d/" in answer["manage_url"]
    # the counters the single registration's fast path reads are right: the next one waits at 3
    single = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "email": "late@example.org"})
    assert single.get_json()["status"] == "waitlisted" and single.get_json()["waitlist_position"] == 3
    event = db_query(lambda db: db.session.scalar(select(Event).where(Event.slug == slug)))
    assert (event.places_taken, event.waiting) == (3, 3)


def test_an_approval_event_puts_members_in_pending(client, make_event):
    slug = make_event(capacity=2, approval=True)
    answer = post_delegation(client, slug, delegation_body([member(i) for i in range(3)])).get_json()
    assert [m["status"] for m in answer["members"]] == ["pending", "pending", "waitlisted"]


def test_errors_name_the_member_and_the_field(client, make_event, db_query):
    slug = make_event(capacity=10, questions=[{"kind": "text", "label": "Суроо", "required": True}])
    bad = [member(0, answers={}), member(1, email="not-an-address"), member(2, sessions=[12345])]
    response = post_delegation(client, slug, delegation_body(bad))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "members.1.email" in fields and "members.2.sessions" in fields
    assert any(name.startswith("members.0.answers.") for name in fields)
    # the schema's own errors name the path too
    response = post_delegation(client, slug, delegation_body([member(0), {"full_name": "Жок", "country": "XX"}]))
    assert response.status_code == 422 and "members.1.country" in response.get_json()["error"]["fields"]
    assert "members.1.city" in response.get_json()["error"]["fields"]
    response = post_delegation(client, slug, delegation_body([member(0)], head={"full_name": "Б"}))
    assert "head.email" in response.get_json()["error"]["fields"]
    response = post_delegation(client, slug, delegation_body([member(0)], consent=False))
    assert response.get_json()["error"]["field"] == "consent"
    assert post_delegation(client, slug, delegation_body([])).status_code == 422
    assert rows(db_query, slug) == []


def test_a_head_who_gives_the_registration_fields_takes_part_first(client, make_event, db_query):
    """`head` takes a registration's fields: with where they come from, the head is placed before the members;
    a head listed among the members already is placed once; problems with the head's fields name head.<field>,
    the members' keep their index as sent."""
    slug = make_event(capacity=2)
    head = {**HEAD, "country": "kg", "city": "Бишкек", "home_region": "bishkek", "sector": "trade"}
    response = post_delegation(client, slug, delegation_body([member(0), member(1)], head=head))
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert [(m["full_name"], m["status"]) for m in answer["members"]] == [
        (HEAD["full_name"], "confirmed"), (NAMES[0], "confirmed"), (NAMES[1], "waitlisted")]
    placed = rows(db_query, slug)
    assert (placed[0].email, placed[0].country, placed[0].city) == (HEAD["email"], "KG", "Бишкек")
    assert len({r.delegation_id for r in placed}) == 1

    other = make_event(capacity=10)
    listed = [member(0, email=HEAD["email"].upper(), full_name=HEAD["full_name"]), member(1)]
    response = post_delegation(client, other, delegation_body(listed, head=head))
    assert response.status_code == 201 and len(response.get_json()["members"]) == 2

    third = make_event(capacity=10)
    response = post_delegation(client, third, delegation_body(
        [member(0), member(1, email="not-an-address")], head={**HEAD, "country": "KG"}))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "head.city" in fields and "members.1.email" in fields and "members.0.email" not in fields
    response = post_delegation(client, third, delegation_body([member(0)], head={**head, "country": "XX"}))
    assert "head.country" in response.get_json()["error"]["fields"]
    assert rows(db_query, third) == []


def test_a_registered_email_is_named_and_nothing_is_registered(client, make_event, db_query):
    slug = make_event(capacity=10)
    client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "email": "member1@example.org"})
    response = post_delegation(client, slug, delegation_body([member(0), member(1)]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == {"members.1.email": "member1@example.org is already registered for this event."}
    assert len(rows(db_query, slug)) == 1
    twice = post_delegation(client, slug, delegation_body([member(0), member(2, email="MEMBER0@example.org")]))
    assert "members.1.email" in twice.get_json()["error"]["fields"]


def test_closed_registration_is_a_409(client, make_event):
    slug = make_event(status="cancelled")
    assert post_delegation(client, slug, delegation_body([member(0)])).status_code == 409
    assert post_delegation(client, "no-such-event", delegation_body([member(0)])).status_code == 404


def test_mail_goes_to_members_with_an_email_and_to_the_head(client, make_event, db_query):
    slug = make_event(capacity=10)
    answer = post_delegation(client, slug, delegation_body([member(0), member(1, email=None)])).get_json()
    mails = outbox(db_query)
    assert sorted(m.to_address for m in mails) == ["bakyt@example.org", "member0@example.org"]
    head = next(m for m in mails if m.to_address == "bakyt@example.org")
    assert head.locale == "ky" and answer["manage_url"] in head.body_text
    assert NAMES[0] in head.body_text and NAMES[1] in head.body_text
    registrations = rows(db_query, slug)
    assert [r.email for r in registrations] == ["member0@example.org", None]


def test_the_heads_contacts_are_encrypted_at_rest_and_shown_where_they_were(client, make_event, make_user, login,
                                                                             db_query):
    slug = make_event(capacity=5)
    answer = post_delegation(client, slug, delegation_body([member(0, email=None)])).get_json()
    raw_email, raw_phone = db_query(lambda db: tuple(db.session.execute(
        text("SELECT head_email, head_phone FROM delegations")).one()))
    assert HEAD["email"] not in raw_email and HEAD["phone"] not in raw_phone
    page = client.get(head_page_path(answer)).get_data(as_text=True)
    assert f"{HEAD['email']} · {HEAD['phone']}" in page
    login(make_user(is_admin=True))
    (registration,) = rows(db_query, slug)
    detail = client.get(f"/events/{slug}/manage/registrations/{registration.id}").get_data(as_text=True)
    assert f'href="mailto:{HEAD["email"]}"' in detail and HEAD["phone"] in detail
    assert [m.to_address for m in outbox(db_query)] == [HEAD["email"]]


# --- the head's page -----------------------------------------------------------------------------

def test_the_private_page_shows_statuses_and_tickets_and_escapes_names(client, make_event, db_query):
    slug = make_event(capacity=1)
    hostile = '<script>alert("x")</script>'
    answer = post_delegation(client, slug, delegation_body([member(0), member(1, full_name=hostile)],
                                                           name="<b>Ош</b>")).get_json()
    path = head_page_path(answer)
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert hostile not in page and "&lt;script&gt;" in page and "<b>Ош</b>" not in page
    assert NAMES[0] in page and "waitlist-position" in page
    (first, second) = rows(db_query, slug)
    ticket = client.get(f"{path}/members/{first.id}/ticket.pdf")
    assert ticket.status_code == 200 and ticket.data.startswith(b"%PDF")
    assert client.get(f"{path}/members/{second.id}/ticket.pdf").status_code == 404  # waiting: no ticket
    other = post_delegation(client, slug, delegation_body([member(3)])).get_json()
    stranger_id = rows(db_query, slug)[-1].id
    assert client.get(f"{path}/members/{stranger_id}").status_code == 404  # another delegation's member
    assert client.get(head_page_path(other)).status_code == 200
    assert client.get("/d/nope").status_code == 404


def test_the_head_edits_a_member(client, make_event, db_query):
    slug = make_event(capacity=5)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0, email=None)])).get_json())
    (registration,) = rows(db_query, slug)
    url = f"{path}/members/{registration.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"full_name": "Айбек Ташиев-уулу", "country": "KZ", "city": "Алматы",
                                      "phone": "", "home_region": "", "sector": "", "organization_id": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    (registration,) = rows(db_query, slug)
    assert (registration.full_name, registration.country, registration.city) == ("Айбек Ташиев-уулу", "KZ", "Алматы")
    page = client.post(url, data={"full_name": "", "country": "KZ", "city": "Алматы"}).get_data(as_text=True)
    assert 'class="error"' in page


@pytest.mark.parametrize("language, about_member, about_you, association, sessions", [
    ("en", "About Айбек Ташиев", "About you", "Association (optional)", "Sessions you will attend"),
    ("ru", "Данные участника: Айбек Ташиев", "О вас", "Ассоциация (необязательно)", "Секции, которые вы посетите"),
    ("ky", "Мүчөнүн маалыматы: Айбек Ташиев", "Өзүңүз жөнүндө", "Уюм (милдеттүү эмес)",
     "Катыша турган секцияларыңыз"),
])
def test_the_member_pages_address_the_right_person(client, make_event, db_query, language, about_member, about_you,
                                                  association, sessions):
    """The head editing a member reads the member's name, not "you"; the member on their own page reads "you"
    and which delegation registered them."""
    slug = make_event(capacity=5, sessions=[{"title": "Инвестиция"}])
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0)])).get_json())
    (registration,) = rows(db_query, slug)
    headers = {"Accept-Language": language}
    page = client.get(f"{path}/members/{registration.id}", headers=headers).get_data(as_text=True)
    assert '<h1 id="member-name">Айбек Ташиев</h1>' in page
    assert about_member in page and association in page
    assert about_you not in page and sessions not in page
    own = client.get(f"/r/{registration.token}", headers=headers).get_data(as_text=True)
    assert about_you in own and sessions in own and about_member not in own
    assert 'id="delegation-note"' in own and "Ош облусунун ишкер делегациясы" in own and HEAD["full_name"] in own


def test_the_head_adds_a_member_at_the_end(client, make_event, db_query):
    slug = make_event(capacity=2)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0)])).get_json())
    client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT)
    response = client.post(f"{path}/add", data={"member-full_name": "Жаңы Мүчө", "member-country": "KG",
                                                "member-city": "Баткен"})
    assert response.status_code == 302, response.get_data(as_text=True)
    added = rows(db_query, slug)[-1]
    assert added.full_name == "Жаңы Мүчө" and added.status == "waitlisted" and added.delegation_id is not None
    page = client.post(f"{path}/add", data={"member-full_name": "Жок", "member-country": "KG", "member-city": ""})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="member-city-error"' in text and 'value="Жок"' in text
    page = client.post(f"{path}/add", data={"member-full_name": "Жок", "member-country": "KG",
                                            "member-city": "Ош", "member-email": "member0@example.org"})
    text = page.get_data(as_text=True)
    assert 'id="member-email-error"' in text and 'value="member0@example.org"' in text
    assert len(rows(db_query, slug)) == 3


def test_a_member_who_cancels_and_registers_alone_leaves_the_delegation(client, make_event, db_query):
    """The row comes back for the person alone: the head no longer lists, edits, cancels or prints for them."""
    slug = make_event(capacity=10)
    answer = post_delegation(client, slug, delegation_body([member(0), member(1)])).get_json()
    path = head_page_path(answer)
    first = rows(db_query, slug)[0]
    assert client.post(f"/r/{first.token}/cancel", data={"confirm": "yes"}).status_code == 302
    again = client.post(f"/api/v1/events/{slug}/registrations",
                        json={**REGISTRANT, "email": "member0@example.org", "full_name": "Айбек Ташиев"})
    assert again.status_code == 201, again.get_data(as_text=True)
    assert rows(db_query, slug)[0].delegation_id is None
    page = client.get(path).get_data(as_text=True)
    assert NAMES[0] not in page and NAMES[1] in page
    for suffix in ("", "/ticket.pdf", "/letter"):
        assert client.get(f"{path}/members/{first.id}{suffix}").status_code == 404, suffix
    client.post(f"{path}/cancel", data={"member": first.id, "confirm": "yes"})
    assert rows(db_query, slug)[0].status == "confirmed"


def test_cancelling_one_member_promotes_exactly_one(client, make_event, db_query):
    slug = make_event(capacity=2)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(i) for i in range(4)])).get_json())
    first = rows(db_query, slug)[0]
    confirm = client.get(f"{path}/cancel?member={first.id}")
    assert confirm.status_code == 200 and NAMES[0] in confirm.get_data(as_text=True)
    assert rows(db_query, slug)[0].status == "confirmed"  # only the "yes" cancels
    assert client.post(f"{path}/cancel", data={"member": first.id, "confirm": "yes"}).status_code == 302
    statuses = [r.status for r in rows(db_query, slug)]
    assert statuses == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    kinds = [(m.to_address, m.kind) for m in outbox(db_query)]
    assert ("member0@example.org", "registration_cancelled") in kinds
    assert ("bakyt@example.org", "members_cancelled") in kinds
    assert ("member2@example.org", "registration_promoted") in kinds


def test_cancelling_the_whole_delegation(client, make_event, db_query):
    slug = make_event(capacity=3)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(i) for i in range(3)])).get_json())
    client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT)  # waiting, number 1
    assert client.get(f"{path}/cancel").status_code == 200
    assert client.post(f"{path}/cancel", data={"confirm": "yes"}).status_code == 302
    registrations = rows(db_query, slug)
    assert [r.status for r in registrations] == ["cancelled"] * 3 + ["confirmed"]
    head_mails = [m for m in outbox(db_query) if m.kind == "members_cancelled"]
    assert len(head_mails) == 1 and all(name in head_mails[0].body_text for name in NAMES[:3])
    assert client.get(f"{path}/cancel").status_code == 302  # nobody left to cancel


@pytest.fixture
def mail_on(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3,
                      SITE_URL="https://diaspora.example")


def test_the_head_is_told_when_a_member_cancels_on_their_own_page(mail_on, smtp_server, client, runner, make_event,
                                                                  db_query):
    """A short mail in the head's language names the member and the delegation, with the delegation's link
    (blanked in the outbox once sent); a member the head cancels is in the head's one mail, not in another."""
    slug = make_event(capacity=1)
    answer = post_delegation(client, slug, delegation_body([member(0), member(1), member(2)], language="ru")
                             ).get_json()
    first, _second, third = rows(db_query, slug)
    confirm = client.get(f"/r/{first.token}/cancel", headers=EN).get_data(as_text=True)
    assert f"The head of your delegation, {HEAD['full_name']}, gets a mail about it too." in confirm
    work(runner)
    smtp_server.messages.clear()
    assert client.post(f"/r/{first.token}/cancel", data={"confirm": "yes"}).status_code == 302
    work(runner)
    (to_head,) = [m for m in smtp_server.messages if m["To"] == HEAD["email"]]
    assert to_head["Subject"] == f"Регистрация отменена: {NAMES[0]}, Мекендештер 2026"
    text = to_head.get_body(preferencelist=("plain",)).get_content()
    assert f"{NAMES[0]}, участник вашей делегации «Ош облусунун ишкер делегациясы»" in text
    assert answer["manage_url"] in text
    assert sorted(m["To"] for m in smtp_server.messages) == [HEAD["email"], "member0@example.org",
                                                             "member1@example.org"]  # cancelled, promoted
    (kept,) = [m for m in outbox(db_query) if m.kind == "member_cancelled_themselves"]
    token = answer["manage_url"].rsplit("/", 1)[1]
    assert kept.status == "sent" and token not in kept.body_text and "/d/…" in kept.body_text
    # the head's address is kept encrypted with the delegation, never in the outbox
    assert not db_query(lambda db: db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.to_address == HEAD["email"])).all())
    # the head cancels a member: the head's own mail names them, no second one
    client.post(f"{head_page_path(answer)}/cancel", data={"member": third.id, "confirm": "yes"})
    kinds = [m.kind for m in outbox(db_query)]
    assert kinds.count("member_cancelled_themselves") == 1 and kinds.count("members_cancelled") == 1


def test_a_member_the_head_cancels_is_told_who_cancelled(client, make_event, db_query):
    slug = make_event(capacity=5)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0), member(1)], language="en")
                                          ).get_json())
    first, second = rows(db_query, slug)
    client.post(f"{path}/cancel", data={"member": first.id, "confirm": "yes"})
    client.post(f"/r/{second.token}/cancel", data={"confirm": "yes"})
    mails = {m.to_address: m.body_text for m in outbox(db_query) if m.kind == "registration_cancelled"}
    assert f"The head of your delegation, {HEAD['full_name']}, cancelled your registration." in mails[first.email]
    assert "As you asked" not in mails[first.email]
    assert "As you asked, your registration is cancelled." in mails[second.email]


def test_a_head_listed_among_the_members_is_not_told_of_their_own_cancelling(client, make_event, db_query):
    slug = make_event(capacity=5)
    post_delegation(client, slug, delegation_body([member(0, email=HEAD["email"].upper()), member(1)]))
    (head_as_member, _other) = rows(db_query, slug)
    assert client.post(f"/r/{head_as_member.token}/cancel", data={"confirm": "yes"}).status_code == 302
    kinds = [(m.to_address, m.kind) for m in outbox(db_query)]
    assert (head_as_member.email, "registration_cancelled") in kinds
    assert not any(kind == "member_cancelled_themselves" for _to, kind in kinds)


# --- the form ------------------------------------------------------------------------------------

def form_data(rows_, **head):
    data = {"head_name": HEAD["full_name"], "head_email": HEAD["email"], "head_phone": HEAD["phone"],
            "name": "Ош", "consent": "y", **head}
    for i, row in enumerate(rows_):
        for key, value in row.items():
            data[f"members-{i}-{key}"] = value
    return data


def test_the_form_adds_a_row_without_javascript_and_keeps_everything(client, make_event):
    slug = make_event(capacity=10)
    assert "register-delegation" in client.get(f"/events/{slug}").get_data(as_text=True)
    page = client.get(f"/events/{slug}/delegation").get_data(as_text=True)
    assert "members-2-full_name" in page and "members-3-full_name" not in page
    assert "js/delegation-" in page and "<script>" not in page
    typed = form_data([{"full_name": "Айбек", "phone": "+996 555 000 111"}, {}, {"full_name": "Гүлнара"}],
                      add_member="1")
    page = client.post(f"/events/{slug}/delegation", data=typed).get_data(as_text=True)
    assert "members-3-full_name" in page and 'value="Айбек"' in page and 'value="Гүлнара"' in page
    assert 'value="+996 555 000 111"' in page and 'value="bakyt@example.org"' in page


def test_the_form_registers_and_shows_errors_next_to_the_members_fields(client, make_event, db_query):
    slug = make_event(capacity=1)
    bad = form_data([{"full_name": "Айбек", "country": "KG", "city": "Ош"}, {},
                     {"full_name": "Гүлнара", "country": "KG", "city": "", "email": "nope"}])
    response = client.post(f"/events/{slug}/delegation", data=bad, headers={"Accept-Language": "ru"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="members-2-email-error"' in page and 'id="members-2-city-error"' in page
    assert "Введите правильный адрес электронной почты." in page  # in the reader's language
    assert 'value="Гүлнара"' in page and rows(db_query, slug) == []
    good = form_data([{"full_name": "Айбек", "country": "KG", "city": "Ош"},
                      {"full_name": "Гүлнара", "country": "KG", "city": "Ош"}])
    response = client.post(f"/events/{slug}/delegation", data=good)
    assert response.status_code == 302 and "/d/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Айбек" in page and "Гүлнара" in page and "delegation-registered" in page
    assert [r.status for r in rows(db_query, slug)] == ["confirmed", "waitlisted"]
    assert all(r.email is None for r in rows(db_query, slug))
    assert [m.to_address for m in outbox(db_query)] == ["bakyt@example.org"]  # no mail to members without one


# --- the organizer -------------------------------------------------------------------------------

def test_the_organizer_sees_the_delegation_in_the_list_detail_and_exports(client, make_event, make_user, login,
                                                                          db_query):
    admin = make_user(is_admin=True)
    slug = make_event(capacity=10)
    post_delegation(client, slug, delegation_body([member(0), member(1, email=None)]))
    client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT)
    delegation_id = db_query(lambda db: db.session.scalar(select(Delegation.id)))
    login(admin)
    page = client.get(f"/events/{slug}/manage/registrations").get_data(as_text=True)
    assert "Ош облусунун ишкер делегациясы" in page and "None" not in page
    filtered = client.get(f"/events/{slug}/manage/registrations?delegation={delegation_id}").get_data(as_text=True)
    assert NAMES[0] in filtered and REGISTRANT["full_name"] not in filtered
    member_id = rows(db_query, slug)[1].id
    detail = client.get(f"/events/{slug}/manage/registrations/{member_id}").get_data(as_text=True)
    assert "Ош облусунун ишкер делегациясы" in detail and HEAD["email"] in detail and "mailto:None" not in detail
    csv_text = client.get(f"/events/{slug}/manage/export.csv").get_data(as_text=True)
    header, *lines = csv_text.lstrip("\ufeff").splitlines()
    assert "Delegation" in header or "Делегация" in header
    assert sum("Ош облусунун ишкер делегациясы" in line for line in lines) == 2
    assert client.get(f"/events/{slug}/manage/export.xlsx").status_code == 200
    sent = client.post(f"/events/{slug}/manage/message", data={"subject": "Салам", "body": "Кат"})
    assert sent.status_code == 302
    messages = db_query(lambda db: db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "organizer_message")).all())
    assert sorted(messages) == sorted(["member0@example.org", REGISTRANT["email"]])


def test_a_member_waits_for_a_full_session_instead_of_being_refused(client, make_event, event_ids, db_query):
    """Members choose sessions as single registrants do: seats while they last, then that session's own
    waiting line (events.session_seats), numbered in the members' order; nobody is refused."""
    from diaspora.models import RegistrationSession

    slug = make_event(capacity=10, sessions=[{"title": "Инвестиция", "capacity": 1}])
    (session,), _questions = event_ids(slug)
    response = post_delegation(client, slug, delegation_body([member(i, sessions=[session]) for i in range(3)]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [m["status"] for m in response.get_json()["members"]] == ["confirmed"] * 3
    links = db_query(lambda db: [(link.status, link.waiting_seq) for link in db.session.scalars(
        select(RegistrationSession).where(RegistrationSession.session_id == session)
        .order_by(RegistrationSession.registration_id))])
    assert [status for status, _seq in links] == ["seated", "waiting", "waiting"]
    assert links[1][1] < links[2][1]


# --- consent, ids, limits ------------------------------------------------------------------------

def test_the_head_cannot_publish_a_members_name(client, make_event, db_query):
    """Only the person may list their own name publicly: the API refuses public_listing (and a project, which
    its author proposes on the projects page), the head's edit form neither shows nor changes the choice."""
    slug = make_event(capacity=10)
    for name, value in (("public_listing", True), ("project_title", "Күн панелдери"), ("project_text", "Цех")):
        response = post_delegation(client, slug, delegation_body([member(0, **{name: value})]))
        assert response.status_code == 422 and f"members.0.{name}" in response.get_json()["error"]["fields"]
    assert rows(db_query, slug) == []
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0)])).get_json())
    (registration,) = rows(db_query, slug)
    url = f"{path}/members/{registration.id}"
    assert 'name="public_listing"' not in client.get(url).get_data(as_text=True)
    edit = {"full_name": NAMES[0], "country": "KG", "city": "Ош", "public_listing": "y"}
    assert client.post(url, data=edit).status_code == 302
    assert NAMES[0] not in client.get(f"/events/{slug}").get_data(as_text=True)
    # the member chooses on their own page; the head's later edit keeps that choice
    own = {"full_name": NAMES[0], "country": "KG", "city": "Ош", "public_listing": "y", "consent": "y"}
    assert client.post(f"/r/{registration.token}", data=own).status_code == 302
    assert client.post(url, data={**edit, "city": "Бишкек"}).status_code == 302
    assert NAMES[0] in client.get(f"/events/{slug}").get_data(as_text=True)
    (registration,) = rows(db_query, slug)
    assert registration.city == "Бишкек" and registration.public_listing


def test_member_ids_that_are_not_this_delegations_are_not_found(client, make_event, db_query):
    slug = make_event(capacity=10)
    path = head_page_path(post_delegation(client, slug, delegation_body([member(0), member(1)])).get_json())
    huge = "99999999999999999999"
    for url in (f"{path}/members/{huge}", f"{path}/members/{huge}/ticket.pdf", f"{path}/members/0"):
        assert client.get(url).status_code == 404
    for value in (huge, "abc", "0", "", "-1", "1e3", "٣"):
        assert client.get(f"{path}/cancel", query_string={"member": value}).status_code == 404
        assert client.post(f"{path}/cancel", data={"member": value, "confirm": "yes"}).status_code == 404
    assert [r.status for r in rows(db_query, slug)] == ["confirmed", "confirmed"]  # nobody cancelled
    stranger = post_delegation(client, slug, delegation_body([member(2)]))
    assert stranger.status_code == 201
    stranger_id = rows(db_query, slug)[-1].id
    assert client.post(f"{path}/cancel", data={"member": stranger_id, "confirm": "yes"}).status_code == 404
    assert [r.status for r in rows(db_query, slug)] == ["confirmed"] * 3


def _filled(n: int) -> list[dict]:
    return [{"full_name": f"Мүчө {i}", "country": "KG", "city": "Ош"} for i in range(n)]



def test_the_form_says_at_most_100_members_instead_of_failing_or_dropping_rows(client, make_event, db_query):
    slug = make_event(capacity=500)
    full = client.post(f"/events/{slug}/delegation", data=form_data(_filled(100), add_member="1"), headers=EN)
    page = full.get_data(as_text=True)
    assert full.status_code == 422 and "At most 100 members at once." in page
    assert "members-99-full_name" in page and "members-100-full_name" not in page
    assert 'data-max="100"' in page
    too_many = client.post(f"/events/{slug}/delegation", data=form_data(_filled(105)), headers=EN)
    assert too_many.status_code == 422 and "At most 100 members at once." in too_many.get_data(as_text=True)
    assert rows(db_query, slug) == []
    # the head's page adds no member past the limit either
    path = head_page_path(post_delegation(client, slug, delegation_body([member(i) for i in range(100)])).get_json())
    added = client.post(f"{path}/add", data={"member-full_name": "Жаңы", "member-country": "KG", "member-city": "Ош"},
                        headers=EN)
    assert added.status_code == 422 and "At most 100 members at once." in added.get_data(as_text=True)
    assert len(rows(db_query, slug)) == 100
    # a cancelled member frees a row
    first = rows(db_query, slug)[0]
    client.post(f"{path}/cancel", data={"member": first.id, "confirm": "yes"})
    added = client.post(f"{path}/add", data={"member-full_name": "Жаңы", "member-country": "KG", "member-city": "Ош"})
    assert added.status_code == 302


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="10 per minute",
                      DELEGATION_MEMBERS_RATE_LIMIT="10 per minute")


def test_a_delegation_counts_as_many_people_as_it_has_members(limited, client, make_event, db_query):
    """One request of the public limit, and as many people of the delegations' own (shared by the API and the
    form) as it has members; adding a row without JavaScript registers nobody and costs nothing of it."""
    slug = make_event(capacity=100)
    assert post_delegation(client, slug, delegation_body([member(i) for i in range(6)])).status_code == 201
    second = post_delegation(client, slug, delegation_body([member(i) for i in range(6, 12)]))
    assert second.status_code == 429
    assert len(rows(db_query, slug)) == 6
    assert client.post(f"/events/{slug}/delegation", data=form_data(_filled(3), add_member="1")).status_code == 200
    assert client.post(f"/events/{slug}/delegation", data=form_data(_filled(6), head_email="b2@example.org")
                       ).status_code == 429
    assert len(rows(db_query, slug)) == 6


def test_a_delegation_larger_than_the_per_minute_limit_of_single_registrations_registers(app_config, client,
                                                                                         make_event, db_query):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="10 per minute;60 per hour")
    slug = make_event(capacity=100)
    response = post_delegation(client, slug, delegation_body([member(i) for i in range(20)]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert len(rows(db_query, slug)) == 20


def test_the_demo_forum_shows_its_delegation_and_speakers(client, runner, db_query, make_user, login):
    """The demo forum (flask seed-demo): its delegation in the organizers' list and on the head's page, its
    speakers under their sessions on the public page."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    slug, token = db_query(lambda db: db.session.execute(select(Event.slug, Delegation.token).join(
        Delegation, Delegation.event_id == Event.id)).one())
    page = client.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    programme = page.split('id="projects"')[0]
    assert "Айгерим Садыкова (демо)" in programme and "Demo investment fund" in programme
    head = client.get(f"/d/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ош облусунун ишкер делегациясы (демо)" in head
    assert head.count('<span class="badge badge-confirmed">') == 5 and head.count("Ticket (PDF)") == 5
    login(make_user(is_admin=True))
    listed = client.get(f"/events/{slug}/manage/registrations", headers={"Accept-Language": "en"})
    assert listed.get_data(as_text=True).count("Ош облусунун ишкер делегациясы (демо)") == 5
