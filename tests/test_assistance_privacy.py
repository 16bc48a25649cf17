"""A request for help is never public. Unique markers in every personal field (name, phone, Telegram,
WhatsApp, email, the story) must not appear on any public page, in any API response, in the export, in
mail to an association that has not accepted (delivered through a real SMTP server), nor in the
database in clear text; and once one association accepts, a second cannot see how to reach the person."""
from email.policy import default as default_policy

import pytest
from sqlalchemy import select, text

from tests.assistance_helpers import CITIES, REQUEST, make_offer, request_id  # noqa: F401
from tests.test_mail import outbox, wait_for

MARKERS = {
    "name": "Zqname Sekretbekov",
    "phone": "+7 900 555 77 31",
    "telegram": "@zq_secret_tg",
    "whatsapp": "+996 700 773 173",
    "email": "zq.secret.mail@example.org",
    "description": "ZQSTORY: хозяин забрал паспорт, живу на складе на улице Секретной",
}
# what would betray the markers however they are formatted
NEEDLES = ["Zqname", "Sekretbekov", "555 77 31", "5557731", "zq_secret_tg", "700 773 173", "700773173",
           "zq.secret.mail", "ZQSTORY", "Секретной"]
CONTACT_NEEDLES = [n for n in NEEDLES if n not in ("ZQSTORY", "Секретной")]


def leaks(content: str, needles=NEEDLES) -> list[str]:
    return [needle for needle in needles if needle in content]


@pytest.fixture
def world(make_org, make_user, make_offer):
    first_admin = make_user(email="first@lawyers.example", name="First")
    second_admin = make_user(email="second@lawyers.example", name="Second")
    site_admin = make_user(email="admin@diaspora.example", is_admin=True)
    lat, lng = CITIES["Екатеринбург"]
    first = make_org(name="Мекен Екатеринбург", city="Екатеринбург", lat=lat, lng=lng, categories=("legal-aid",),
                     owner=first_admin)
    lat, lng = CITIES["Челябинск"]
    second = make_org(name="Правовая помощь Челябинск", city="Челябинск", lat=lat, lng=lng,
                      categories=("legal-aid",), owner=second_admin)
    offer = make_offer(first, first_admin.id)
    return {"first": first, "second": second, "first_admin": first_admin, "second_admin": second_admin,
            "site_admin": site_admin, "offer": offer}


def public_urls(world) -> list[str]:
    orgs = (world["first"], world["second"])
    return (["/", "/help", "/help?near=Екатеринбург&country=RU", "/help?category=legal-aid", "/map", "/events",
             "/help/ask", f"/help/offers/{world['offer']}", f"/help/offers/popup/{world['offer']}",
             f"/help/offers/{world['offer']}/flag", "/api", "/api/v1/openapi.json", "/api/v1/offers",
             "/api/v1/offers?near=Екатеринбург", "/api/v1/organizations", "/api/v1/events"]
            + [f"/organizations/{org}" for org in orgs] + [f"/map/popup/{org}" for org in orgs]
            + [f"/api/v1/organizations/{org}" for org in orgs])


def test_personal_fields_never_leave_the_request(mail_config, smtp_server, app, client, world, login, db_query,
                                                 runner):
    response = client.post("/api/v1/help-requests", json={**REQUEST, **MARKERS})
    assert response.status_code == 201
    assert not leaks(response.get_data(as_text=True))  # not even echoed back
    tracking = response.get_json()["tracking_url"]
    reference = response.get_json()["reference"]
    rid = request_id(db_query, reference)
    # the person writes a message too
    client.post("/h/" + tracking.rsplit("/", 1)[1], data={"body": "ZQSTORY: ещё подробности про Секретной"})

    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response.get_data(as_text=True)), url

    # in the database, nothing personal in clear text
    def raw(db):
        rows = list(db.session.execute(text("SELECT * FROM help_requests")))
        rows += list(db.session.execute(text("SELECT * FROM help_messages")))
        return " ".join(str(value) for row in rows for value in row)
    stored = db_query(raw)
    assert reference in stored and not leaks(stored)

    # associations it was sent to see the story to decide, never who it is or how to reach them
    for who in ("first_admin", "second_admin"):
        login(world[who])
        for url in ("/help/coordination", f"/help/requests/{rid}"):
            assert not leaks(client.get(url).get_data(as_text=True), CONTACT_NEEDLES), (who, url)
        client.post("/auth/logout")
    # site admins coordinate: they see neither, and the export has nothing personal at all
    login(world["site_admin"])
    for url in ("/help/coordination", f"/help/requests/{rid}", "/admin/outbox/"):
        assert not leaks(client.get(url).get_data(as_text=True), CONTACT_NEEDLES), url
    export = client.get("/help/coordination/export.csv")
    assert export.status_code == 200 and reference in export.get_data(as_text=True)
    assert not leaks(export.get_data(as_text=True))
    for message in outbox(db_query):
        assert not leaks(client.get(f"/admin/outbox/{message.id}").get_data(as_text=True), CONTACT_NEEDLES)
    client.post("/auth/logout")

    # the first accepts; the person is told, and writes again
    login(world["first_admin"])
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": world["first"]})
    assert "Zqname Sekretbekov" in client.get(f"/help/requests/{rid}").get_data(as_text=True)
    client.post(f"/help/requests/{rid}/message", data={"body": "Приходите завтра"})
    client.post("/auth/logout")
    client.post("/h/" + tracking.rsplit("/", 1)[1], data={"body": "ZQSTORY: спасибо, приду"})

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert wait_for(lambda: all(m.status == "sent" for m in outbox(db_query)))
    delivered = {}
    for message in smtp_server.messages:
        delivered.setdefault(message["To"], []).append(message.as_string(policy=default_policy))
    assert "second@lawyers.example" in delivered and "first@lawyers.example" in delivered
    assert "zq.secret.mail@example.org" in delivered  # the person is told, at the address they gave
    for address, messages in delivered.items():
        if address == "zq.secret.mail@example.org":
            continue
        for content in messages:  # not even to the association that accepted: mail is not a safe place
            assert not leaks(content), address
    # once sent, the outbox keeps neither the person's address nor their private link
    stored = " ".join(f"{m.to_address} {m.body_text}" for m in outbox(db_query))
    assert "zq.secret.mail" not in stored and tracking.rsplit("/", 1)[1] not in stored


def test_after_one_accepts_the_second_cannot_see_the_contact(client, world, login, db_query):
    response = client.post("/api/v1/help-requests", json={**REQUEST, **MARKERS})
    rid = request_id(db_query, response.get_json()["reference"])
    login(world["first_admin"])
    assert client.post(f"/help/requests/{rid}/accept", data={"organization_id": world["first"]}).status_code == 302
    client.post("/auth/logout")

    client.get("/lang/en")
    login(world["second_admin"])
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert "Another association accepted this request." in page
    assert not leaks(page, CONTACT_NEEDLES)
    # nor can it take it over, or write to the person
    response = client.post(f"/help/requests/{rid}/accept", data={"organization_id": world["second"]},
                           follow_redirects=True)
    assert "Another association has just accepted this request." in response.get_data(as_text=True)
    assert not leaks(response.get_data(as_text=True), CONTACT_NEEDLES)
    response = client.post(f"/help/requests/{rid}/message", data={"body": "Hello"})
    assert response.status_code == 403

    from diaspora.models import HelpMessage, HelpRequest

    assert db_query(lambda db: db.session.get(HelpRequest, rid).accepted_org_id) == world["first"]
    assert db_query(lambda db: db.session.scalars(select(HelpMessage)).all()) == []
