"""Offers of help: published by an association's admins and volunteers, found by anyone in the list, on
the map and through the API; flagged by anyone and hidden by site admins. And the partner intake API."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.assistance_helpers import CITIES, REQUEST, make_offer  # noqa: F401
from tests.invitation_helpers import invite_and_accept

OFFER_FORM = {
    "category": "legal-aid",
    "title_ky": "Эмгек акы боюнча акысыз кеңеш",
    "title_ru": "Бесплатная консультация по невыплате зарплаты",
    "description_ru": "Поможем составить претензию работодателю.\nПриём по субботам.",
    "scope": "city",
    "country": "RU",
    "city": "Екатеринбург",
    "radius_km": "50",
    "languages": ["ky", "ru"],
    "capacity": "10",
    "is_free": "y",
}


@pytest.fixture
def org(make_org, make_user):
    owner = make_user(email="owner@meken.example")
    lat, lng = CITIES["Екатеринбург"]
    org_id = make_org(name="Мекен Екатеринбург", city="Екатеринбург", lat=lat, lng=lng, owner=owner,
                      categories=("legal-aid", "employment"))
    return org_id, owner


def add_volunteer(client, login, org_id, owner, volunteer, db_query):
    invite_and_accept(client, login, db_query, org_id, owner, volunteer, role="volunteer")


def test_a_volunteer_publishes_an_offer_that_everyone_finds(client, login, org, make_user, db_query):
    org_id, owner = org
    volunteer = make_user(email="volunteer@meken.example")
    add_volunteer(client, login, org_id, owner, volunteer, db_query)
    client.get("/lang/ru")
    login(volunteer)
    assert client.get("/help/offers/new").status_code == 200
    response = client.post("/help/offers/new", data={**OFFER_FORM, "organization_id": org_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    offer_url = response.headers["Location"]
    client.post("/auth/logout")

    page = client.get(offer_url).get_data(as_text=True)
    assert "Бесплатная консультация по невыплате зарплаты" in page and "Приём по субботам." in page
    listing = client.get("/help?category=legal-aid&near=Екатеринбург&country=RU").get_data(as_text=True)
    assert "Бесплатная консультация по невыплате зарплаты" in listing
    assert "Бесплатная консультация" not in client.get("/help?category=employment").get_data(as_text=True)
    assert "Бесплатная консультация" not in client.get("/help?near=Бишкек").get_data(as_text=True)
    client.get("/lang/ky")
    assert "Эмгек акы боюнча акысыз кеңеш" in client.get("/help").get_data(as_text=True)

    offer_id = int(offer_url.rsplit("/", 1)[1])
    popup = client.get(f"/help/offers/popup/{offer_id}").get_json()
    assert popup["name"] == "Эмгек акы боюнча акысыз кеңеш" and popup["url"].endswith(f"/help/offers/{offer_id}")


def test_offers_need_a_title_and_keep_what_was_typed(client, login, org):
    org_id, owner = org
    client.get("/lang/en")
    login(owner)
    response = client.post("/help/offers/new", data={**OFFER_FORM, "organization_id": org_id, "title_ky": "",
                                                     "title_ru": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the title in at least one language." in html and "Приём по субботам." in html
    response = client.post("/help/offers/new", data={**OFFER_FORM, "organization_id": org_id, "city": ""})
    assert "This field is required." in response.get_data(as_text=True)
    response = client.post("/help/offers/new", data={**OFFER_FORM, "organization_id": org_id, "capacity": "много"})
    assert response.status_code == 200


def test_only_the_association_people_change_its_offers(client, login, org, make_user, make_org, make_offer):
    org_id, owner = org
    offer_id = make_offer(org_id, owner.id)
    stranger = make_user(email="stranger@example.org")
    other_owner = make_user(email="other@example.org")
    make_org(name="Другая", owner=other_owner)
    assert client.get("/help/offers/new").status_code == 302  # log in first
    login(stranger)
    assert client.get("/help/offers/new").status_code == 403
    assert client.get(f"/help/offers/{offer_id}/edit").status_code == 403
    assert client.post(f"/help/offers/{offer_id}/withdraw").status_code == 403
    client.post("/auth/logout")
    login(other_owner)
    # its own association only, whatever the form says
    response = client.post("/help/offers/new", data={**OFFER_FORM, "organization_id": org_id})
    assert response.status_code == 200
    assert client.get(f"/help/offers/{offer_id}/edit").status_code == 403
    client.post("/auth/logout")
    login(owner)
    response = client.post(f"/help/offers/{offer_id}/edit", data={**OFFER_FORM, "organization_id": org_id,
                                                                 "title_ru": "Новое название"})
    assert response.status_code == 302
    client.post(f"/help/offers/{offer_id}/withdraw")
    client.post("/auth/logout")
    assert client.get(f"/help/offers/{offer_id}").status_code == 404  # withdrawn: no longer public


def test_a_job_offer_shows_employer_wage_and_contract(client, login, org):
    org_id, owner = org
    client.get("/lang/en")
    login(owner)
    response = client.post("/help/offers/new", data={
        **OFFER_FORM, "organization_id": org_id, "category": "employment", "title_en": "Warehouse workers",
        "employer": "ООО «Склад-Урал»", "wage": "70 000 ₽ a month", "written_contract": "no"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ООО «Склад-Урал»" in page and "70 000 ₽ a month" in page and "No written contract" in page


def test_anyone_flags_a_site_admin_hides(client, login, org, make_user, make_offer):
    org_id, owner = org
    offer_id = make_offer(org_id, owner.id, title="Работа без документов, оплата наличными")
    admin = make_user(email="admin@example.org", is_admin=True)
    client.get("/lang/en")
    response = client.post(f"/help/offers/{offer_id}/flag", data={"reason": "fraud", "message": "Это ловушка"})
    assert response.status_code == 302
    assert client.post(f"/help/offers/{offer_id}/hide").status_code == 302  # to the login page
    login(owner)
    assert client.post(f"/help/offers/{offer_id}/hide").status_code == 403  # not a site admin
    assert client.get("/help/flags").status_code == 403
    client.post("/auth/logout")
    login(admin)
    flags = client.get("/help/flags").get_data(as_text=True)
    assert "Это ловушка" in flags and "Работа без документов" in flags
    client.post(f"/help/offers/{offer_id}/hide", data={"reason": "Fraud reported twice"})
    client.post("/auth/logout")
    assert client.get(f"/help/offers/{offer_id}").status_code == 404
    assert "Работа без документов" not in client.get("/help").get_data(as_text=True)
    assert client.get("/api/v1/offers").get_json()["total"] == 0
    login(owner)
    page = client.get(f"/help/offers/{offer_id}").get_data(as_text=True)
    assert "Hidden by a moderator." in page and "Fraud reported twice" in page
    client.post(f"/help/offers/{offer_id}/edit", data={**OFFER_FORM, "organization_id": org_id})
    from diaspora.models import HelpOffer

    with client.application.app_context():
        from diaspora.extensions import db

        assert db.session.get(HelpOffer, offer_id).status == "hidden"  # editing does not bring it back


def test_user_text_is_escaped_on_pages_and_in_popups(client, login, org, make_offer):
    org_id, owner = org
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    offer_id = make_offer(org_id, owner.id, title=evil)
    page = client.get(f"/help/offers/{offer_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<script>alert(1)" not in client.get("/help").get_data(as_text=True)
    assert client.get(f"/help/offers/popup/{offer_id}").get_json()["name"] == evil  # placed with textContent


# --- API ----------------------------------------------------------------------------------------

def test_api_offers_geojson_with_filters(client, org, make_offer):
    org_id, owner = org
    legal = make_offer(org_id, owner.id, title="Юрист", languages=("ky",))
    job = make_offer(org_id, owner.id, category="employment", title="Жумуш", employer="Склад", wage="60 000",
                     written_contract=True)
    remote = make_offer(org_id, owner.id, title="Онлайн", scope="remote", country=None, city="", languages=("en",))
    make_offer(org_id, owner.id, title="Мөөнөтү өткөн", valid_until=date.today() - timedelta(days=1))

    body = client.get("/api/v1/offers").get_json()
    assert body["type"] == "FeatureCollection" and body["total"] == 3
    by_id = {f["id"]: f for f in body["features"]}
    assert set(by_id) == {legal, job, remote}
    assert by_id[job]["properties"]["job"] == {"employer": "Склад", "wage": "60 000", "written_contract": True}
    assert by_id[remote]["geometry"] is None and by_id[legal]["geometry"]["type"] == "Point"
    text = json.dumps(body, ensure_ascii=False)
    assert "owner@meken.example" not in text and "created_by" not in text

    assert [f["id"] for f in client.get("/api/v1/offers?category=employment").get_json()["features"]] == [job]
    assert [f["id"] for f in client.get("/api/v1/offers?language=en").get_json()["features"]] == [remote]
    near = client.get("/api/v1/offers?near=Екатеринбург&radius_km=20").get_json()
    assert {f["id"] for f in near["features"]} == {legal, job}
    assert near["features"][0]["properties"]["distance_km"] < 1
    response = client.get("/api/v1/offers?category=cooking")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "category"
    response = client.get("/api/v1/offers?lat=95&lng=10")
    assert response.status_code == 400
    response = client.get("/api/v1/offers?near=Nowhereville-zzz")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "near"


def test_api_help_request_created(app_config, client, org, db_query):
    app_config.update(SITE_URL="https://diaspora.example")
    response = client.post("/api/v1/help-requests", json={**REQUEST, "email": "AIBEK@Example.org"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"reference", "tracking_url", "pin"}
    assert len(body["reference"]) == 9 and body["pin"].isdigit() and len(body["pin"]) == 6
    token = body["tracking_url"].rsplit("/h/", 1)[1]
    assert len(token) >= 40
    assert client.get(f"/h/{token}").status_code == 200
    from diaspora.models import HelpRequest

    assert db_query(lambda db: db.session.scalar(select(HelpRequest.email))) == "aibek@example.org"


@pytest.mark.parametrize("change, field", [
    ({"category": "cooking"}, "category"),
    ({"phone": None}, "contact"),
    ({"consent": False}, "consent"),
    ({"consent": "yes"}, "consent"),
    ({"urgency": "tomorrow"}, "urgency"),
    ({"country": "XX"}, "country"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"description": "   "}, "description"),
    ({"city": 42}, "city"),
    ({"password": "x"}, "password"),
])
def test_api_help_request_rejected_with_a_message_per_field(client, change, field):
    body = {k: v for k, v in {**REQUEST, **change}.items() if v is not None}
    response = client.post("/api/v1/help-requests", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"] and error["fields"][field]


def test_api_help_request_missing_everything_lists_every_field(client):
    response = client.post("/api/v1/help-requests", json={})
    fields = response.get_json()["error"]["fields"]
    assert {"category", "country", "city", "language", "description", "contact", "consent"} <= set(fields)
    assert client.post("/api/v1/help-requests", data="not json",
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/help-requests", json=[1, 2]).status_code == 400


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="2 per minute")


def test_public_posts_are_rate_limited(limited, client, org, make_offer):
    codes = [client.post("/api/v1/help-requests", json=REQUEST).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    codes = [client.post("/help/ask", data={**REQUEST, "consent": "y"}).status_code for _ in range(3)]
    assert codes[-1] == 429
    org_id, owner = org
    offer_id = make_offer(org_id, owner.id)
    codes = [client.post(f"/help/offers/{offer_id}/flag", data={"reason": "wrong"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
