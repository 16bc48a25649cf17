"""Emergency and official contacts: who may add, propose and publish them; a wrong number reported reaches the
moderators through the outbox; what a reader sees (national numbers first, tap to call, verified date, demo
badge, Kyrgyz letters found); the API's filters and its 400s; the seed of emergency numbers."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from diaspora.models import Contact, ContactReport, OutboxMessage

EKATERINBURG = (56.8389, 60.6057)


@pytest.fixture
def make_contact(app):
    """A contact through the service, as the site (a moderator's contacts are published at once)."""
    from diaspora.contacts.services import ContactData, create
    from diaspora.extensions import db

    def make(name=None, kind="consulate", country="RU", city="Екатеринбург", phone="+7 000 000-00-02",
             status="published", is_demo=False, verified_on=None, verified_by=None, **fields):
        with app.app_context():
            contact = create(None, ContactData(kind=kind, name=name or {"ky": "Консулдук", "ru": "Консульство"},
                                               country=country, city=city, phone=phone, **fields),
                             is_demo=is_demo, status=status)
            contact.verified_on, contact.verified_by_name = verified_on, verified_by
            db.session.commit()
            return contact.id

    return make


@pytest.fixture
def association_admin(make_user, make_org):
    admin = make_user(email="admin@meken.example", name="Айжан")
    make_org(name="Мекен", owner=admin)
    return admin


FORM = {"kind": "legal_clinic", "name_ky": "Юридикалык клиника", "name_ru": "Юридическая клиника",
        "country": "RU", "city": "Екатеринбург", "phone": "+7 000 000-00-05", "telegram": "https://t.me/meken_law",
        "hours": "Сб 10:00–14:00", "languages": ["ky", "ru"]}


def count(db_query, model, *where):
    return db_query(lambda db: db.session.scalar(select(func.count()).select_from(model).where(*where)))


def test_who_may_add_propose_and_publish(client, make_user, login, association_admin, make_contact, db_query):
    # anonymous: sent to log in; a plain user: refused, and nothing is written
    assert client.get("/contacts/new").status_code == 302
    assert "/auth/login" in client.post("/contacts/new", data=FORM).headers["Location"]
    plain = make_user()
    login(plain)
    assert client.get("/contacts/new").status_code == 403
    assert client.post("/contacts/new", data=FORM).status_code == 403
    published_id = make_contact(verified_on=date(2026, 11, 1), verified_by="Айбек")
    assert client.post(f"/contacts/{published_id}/edit", data=FORM).status_code == 403
    assert client.post(f"/contacts/{published_id}/publish").status_code == 403
    assert client.post(f"/contacts/{published_id}/verify").status_code == 403
    assert client.get("/moderation/contacts").status_code == 403
    assert count(db_query, Contact) == 1

    # an association's admin proposes: it waits, shown to nobody else
    client.post("/auth/logout")
    login(association_admin)
    response = client.post("/contacts/new", data=FORM)
    assert response.status_code == 302
    proposal = db_query(lambda db: db.session.scalar(select(Contact).where(Contact.kind == "legal_clinic")))
    assert proposal.status == "pending" and proposal.telegram == "meken_law" and proposal.organization_id
    assert proposal.latitude == pytest.approx(EKATERINBURG[0], abs=0.2)  # the city's centre, from the gazetteer
    assert "Юридикалык клиника" not in client.get("/contacts?country=RU").get_data(as_text=True)
    # ... and a change of a published contact waits too, the published one unchanged
    client.post(f"/contacts/{published_id}/edit", data={**FORM, "kind": "consulate", "name_ru": "Новое имя",
                                                         "phone": "+7 000 000-99-99"})
    assert db_query(lambda db: db.session.get(Contact, published_id).phone) == "+7 000 000-00-02"
    change = db_query(lambda db: db.session.scalar(select(Contact).where(Contact.replaces_id == published_id)))
    assert change.status == "pending"
    assert client.post(f"/contacts/{change.id}/publish").status_code == 403

    # the moderator sees both, publishes them; the change replaces the published contact
    client.post("/auth/logout")
    login(make_user(is_admin=True, name="Модератор"))
    queue = client.get("/moderation/contacts").get_data(as_text=True)
    assert f'id="contact-{proposal.id}"' in queue and "<ins>+7 000 000-99-99</ins>" in queue
    assert "<del>+7 000 000-00-02</del>" in queue  # what the change replaces
    client.post(f"/contacts/{proposal.id}/publish")
    client.post(f"/contacts/{change.id}/publish")
    published = db_query(lambda db: db.session.get(Contact, published_id))
    assert published.phone == "+7 000 000-99-99" and published.verified_on is None  # a new number: not verified
    assert db_query(lambda db: db.session.get(Contact, change.id)) is None
    page = client.get("/contacts?country=RU", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Юридическая клиника" in page and 'href="https://t.me/meken_law"' in page
    assert 'href="tel:+70000009999"' in page
    client.post(f"/contacts/{published_id}/hide")
    assert "+7 000 000-99-99" not in client.get("/contacts?country=RU").get_data(as_text=True)
    assert "+7 000 000-99-99" in client.get("/moderation/contacts").get_data(as_text=True)  # to put back


def test_a_moderator_adds_and_verifies_and_the_page_says_so(client, make_user, login, make_contact, db_query):
    login(make_user(is_admin=True, name="Айбек"))
    bad = client.post("/contacts/new", data={**FORM, "phone": "call me", "telegram": "x", "name_ky": "",
                                             "name_ru": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'value="call me"' in text  # what was typed stays
    assert count(db_query, Contact) == 0
    assert client.post("/contacts/new", data={**FORM, "phone": "", "whatsapp": "", "telegram": ""}).status_code == 200
    response = client.post("/contacts/new", data=FORM)
    contact_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get("/contacts?country=RU", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not verified yet" in page
    client.post(f"/contacts/{contact_id}/verify")
    today = date.today()
    contact = db_query(lambda db: db.session.get(Contact, contact_id))
    assert contact.status == "published" and contact.verified_on == today and contact.verified_by_name == "Айбек"
    page = client.get("/contacts?country=RU", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(rf"Verified on .*{today.year}.* by Айбек", page)


def test_national_numbers_first_tap_to_call_demo_badge_and_escaping(client, make_contact):
    make_contact(name={"ru": "Консульство <script>alert(1)</script>"}, is_demo=True, whatsapp="+7 000 000 00 03")
    make_contact(name={"ky": "Шашылыш кызматтардын бирдиктүү номери", "ru": "Единый номер экстренных служб"},
                 kind="emergency", city=None, phone="112", verified_on=date(2026, 12, 1), verified_by="seed")
    make_contact(name={"ru": "Казахстан 112"}, kind="emergency", country="KZ", city=None, phone="112")
    response = client.get("/contacts?country=RU", headers={"Accept-Language": "ru"})
    page = response.get_data(as_text=True)
    assert "contacts_country=RU" in response.headers["Set-Cookie"]
    assert page.index('href="tel:112"') < page.index("Консульство")  # the emergency number first
    assert "Единый номер экстренных служб" in page and "Казахстан 112" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'href="https://wa.me/70000000003"' in page and "badge-demo" in page
    assert re.search(r"Проверено 1\s+декабря\s+2026", page) and "seed" not in page  # the seed's date, in words
    # the country remembered: the home page shows its numbers
    home = client.get("/").get_data(as_text=True)
    assert 'href="tel:112"' in home and 'id="country-contacts"' in home
    # "near me": the position picks the country of the nearest contacts
    near = client.get(f"/contacts?lat={EKATERINBURG[0]}&lng={EKATERINBURG[1]}").get_data(as_text=True)
    assert 'href="tel:112"' in near and "Екатеринбург" in near
    assert client.get("/contacts?country=ZZ").status_code == 200


def test_search_folds_cyrillic_and_kyrgyz_letters(client, make_contact):
    make_contact(name={"ky": "Өзбек-Кыргыз үй-бүлө борбору", "ru": "Центр семьи"}, kind="shelter")
    make_contact(name={"ru": "Юридическая клиника"}, kind="legal_clinic", address="ул. Ленина, 5")

    def found(q):
        return client.get("/contacts", query_string={"country": "RU", "q": q},
                          headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Центр семьи" in found("ҮЙ-БҮЛӨ") and "Юридическая клиника" not in found("ҮЙ-БҮЛӨ")
    assert "Юридическая клиника" in found("ЛЕНИНА") and "Центр семьи" not in found("ленина")
    api = client.get("/api/v1/contacts", query_string={"country": "RU", "q": "өзбек"}).get_json()
    assert [c["kind"] for c in api["contacts"]] == ["shelter"]


def test_a_wrong_number_reported_reaches_the_moderators_at_once(app, client, make_user, login, make_contact,
                                                                 db_query):
    moderator = make_user(is_admin=True, email="mod@example.org", locale="ky")
    contact_id = make_contact(name={"ru": "Консульство в Екатеринбурге"})
    assert client.get(f"/contacts/{contact_id}/report").status_code == 200
    assert client.post(f"/contacts/{contact_id}/report", data={"problem": "bogus"}).status_code == 200
    response = client.post(f"/contacts/{contact_id}/report",
                           data={"problem": "wrong_number", "message": "Правильный номер +7 000 000-00-09"})
    assert response.status_code == 302
    report = db_query(lambda db: db.session.scalar(select(ContactReport)))
    assert report.problem == "wrong_number" and report.status == "open"
    message = db_query(lambda db: db.session.scalar(select(OutboxMessage)))
    assert message.to_address == "mod@example.org" and message.template == "contacts/contact_report"
    with app.app_context():
        from diaspora import mail
        from diaspora.extensions import db

        subject, body, _attachments, _to = mail.compose(db.session.get(OutboxMessage, message.id))
    assert "Консульство в Екатеринбурге" in subject and "+7 000 000-00-09" in body
    login(moderator)
    assert "Правильный номер" in client.get("/moderation/contacts").get_data(as_text=True)
    client.post(f"/moderation/contacts/reports/{report.id}/resolved")
    assert db_query(lambda db: db.session.get(ContactReport, report.id).status) == "resolved"
    hidden = make_contact(status="hidden")
    assert client.post(f"/contacts/{hidden}/report", data={"problem": "closed"}).status_code == 404


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="2 per minute")


def test_reports_are_rate_limited(limited, client, make_contact):
    contact_id = make_contact()
    codes = [client.post(f"/contacts/{contact_id}/report", data={"problem": "no_answer"}).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]


def test_the_private_request_page_shows_the_contacts_of_its_country(client, make_contact, make_org):
    from tests.assistance_helpers import REQUEST

    make_contact(name={"ru": "Единый номер"}, kind="emergency", city=None, phone="112")
    make_org(categories=("legal-aid",), city="Екатеринбург", lat=EKATERINBURG[0], lng=EKATERINBURG[1])
    created = client.post("/api/v1/help-requests", json={**REQUEST, "country": "RU"})
    assert created.status_code == 201, created.get_data(as_text=True)
    link = created.get_json()["tracking_url"]
    page = client.get(link[link.index("/h/"):] + "?new=1").get_data(as_text=True)
    assert 'href="tel:112"' in page


def test_api_filters_and_errors(client, make_contact):
    make_contact(name={"ky": "Бирдиктүү номер", "ru": "Единый номер"}, kind="emergency", city=None, phone="112")
    make_contact(name={"ru": "Консульство"}, verified_on=date(2026, 11, 30), verified_by="Айбек",
                 latitude=EKATERINBURG[0], longitude=EKATERINBURG[1])
    make_contact(name={"ru": "Посольство"}, kind="embassy", city="Москва", is_demo=True)
    make_contact(name={"ru": "Ждёт"}, status="pending")
    everything = client.get("/api/v1/contacts?country=ru").get_json()["contacts"]
    assert everything[0]["name"] in ("Бирдиктүү номер", "Единый номер")
    assert "Ждёт" not in {c["name"] for c in everything} and len(everything) == 3
    first = everything[0]
    assert set(first) >= {"id", "kind", "name", "phone", "whatsapp", "telegram", "country", "city", "lat", "lng",
                          "verified_on", "translations", "demo"}
    assert first["translations"]["name"] == {"ky": "Бирдиктүү номер", "ru": "Единый номер"}
    near = client.get("/api/v1/contacts", query_string={"country": "RU", "near": "Екатеринбург"}).get_json()
    assert [(c["kind"], c["city"]) for c in near["contacts"]] == [("emergency", None), ("consulate", "Екатеринбург")]
    assert near["contacts"][1]["verified_on"] == "2026-11-30" and near["contacts"][1]["verified_by"] == "Айбек"
    far = client.get("/api/v1/contacts", query_string={"country": "RU", "lat": 55.75, "lng": 37.62,
                                                       "radius_km": 30}).get_json()["contacts"]
    assert [c["name"] for c in far][-1] == "Посольство" and far[-1]["demo"] is True
    kinds = client.get("/api/v1/contacts?country=RU&kind=embassy").get_json()["contacts"]
    assert [c["kind"] for c in kinds] == ["embassy"]
    for query, field in (("country=XX", "country"), ("lat=91&lng=0", "lat"), ("lat=1", "lng"),
                         ("lat=abc&lng=1", "lat"), ("kind=police", "kind"), ("radius_km=-5", "radius_km"),
                         ("radius_km=1e9", "radius_km"), ("near=Nowhere-at-all-xyz", "near")):
        response = client.get(f"/api/v1/contacts?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert error["field"] == field and error["message"], query


def test_seed_contacts_is_idempotent_and_dated(runner, db_query):
    first = runner.invoke(args=["seed-contacts"])
    assert first.exit_code == 0 and "added: 2" in first.output
    total = count(db_query, Contact)
    again = runner.invoke(args=["seed-contacts"])
    assert again.exit_code == 0 and "added: 0" in again.output and count(db_query, Contact) == total
    us = db_query(lambda db: db.session.scalar(select(Contact).where(Contact.country == "US")))
    assert us.phone == "911" and us.verified_by_name == "seed" and us.verified_on and not us.is_demo
    assert us.status == "published" and us.city is None


def test_the_demo_has_contacts_in_four_countries_labelled_demo(runner, db_query):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    demo = db_query(lambda db: db.session.scalars(select(Contact).where(Contact.is_demo.is_(True))).all())
    assert {c.country for c in demo} == {"RU", "KZ", "KR", "TR"}
    assert {"embassy", "consulate", "migration_office", "hotline", "legal_clinic"} <= {c.kind for c in demo}
    assert all(c.name["ky"] and c.name["ru"] and "000" in c.phone for c in demo)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert count(db_query, Contact, Contact.is_demo.is_(True)) == len(demo)
