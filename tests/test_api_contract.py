"""The OpenAPI document says what the API answers: schemathesis generates requests from it (valid and
invalid ones) against a live server and runs every check; and the JSON endpoints take JSON only."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.assistance_helpers import REQUEST, make_offer  # noqa: F401

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def some_data(make_user, make_org, make_event, make_offer):
    owner = make_user()
    org_id = make_org(owner=owner, city="Екатеринбург", lat=56.8389, lng=60.6057, categories=("legal-aid",))
    make_org(name="Ала-Тоо", country="KZ", city="Алматы", lat=43.2389, lng=76.8897)
    make_offer(org_id, owner.id)
    make_event(title="Мекендештер", sessions=[{"title": "Бизнес"}],
               questions=[{"kind": "text", "label": "Суроо"}])
    make_event(title="Толгон", capacity=1)
    return org_id


def test_the_api_answers_as_its_openapi_document_says(some_data, live_server, tmp_path):
    """Each operation: the examples, the coverage cases and 15 generated requests, then the stateful phase,
    with a fixed seed so a run repeats. Rate limits are off in tests."""
    result = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
         f"{live_server}/api/v1/openapi.json", "--checks", "all", "--max-examples", "15", "--seed", "20270615",
         "--generation-deterministic", "--workers", "1",
         "--request-timeout", "60"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    assert "Tested: 12" in result.stdout


REGISTRANT = {"full_name": "Айбек", "email": "a@example.org", "country": "KG", "city": "Бишкек", "consent": True}
JSON_POSTS = ["/api/v1/help-requests", "/api/v1/events/{slug}/registrations", "/api/v1/events/{slug}/delegations"]


@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/xml", "application/json-patch+json", "application/jsonx", None])
@pytest.mark.parametrize("path", JSON_POSTS)
def test_json_endpoints_refuse_other_content_types(client, make_event, db_query, path, content_type):
    """A page on another site can post text/plain or a form without a CORS preflight: refused, and nothing
    is written."""
    from sqlalchemy import func, select

    from diaspora.models import HelpRequest, Registration

    url = path.format(slug=make_event())
    body = REQUEST if "help" in path else REGISTRANT
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(url, data=json.dumps(body), headers=headers)
    assert response.status_code == 415, response.get_data(as_text=True)
    assert response.is_json and "application/json" in response.get_json()["error"]["message"]
    counted = db_query(lambda db: (db.session.scalar(select(func.count()).select_from(HelpRequest)),
                                   db.session.scalar(select(func.count()).select_from(Registration))))
    assert counted == (0, 0)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=UTF-8"])
def test_json_with_or_without_a_charset_is_taken(client, make_event, content_type):
    slug = make_event()
    for url, body in ((f"/api/v1/events/{slug}/registrations", REGISTRANT), ("/api/v1/help-requests", REQUEST)):
        response = client.post(url, data=json.dumps(body), headers={"Content-Type": content_type})
        assert response.status_code == 201, response.get_data(as_text=True)


def test_the_document_lists_what_the_services_accept(client):
    from diaspora.assistance.requests import URGENCIES
    from diaspora.events.choices import HOME_REGIONS
    from diaspora.i18n import country_codes, language_codes

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    help_request = schemas["HelpRequest"]["properties"]
    assert set(help_request["country"]["enum"]) == country_codes()
    assert set(help_request["language"]["enum"]) == language_codes()
    assert help_request["urgency"]["enum"] == list(URGENCIES)
    assert "legal-aid" in help_request["category"]["enum"]
    assert schemas["HelpRequest"]["additionalProperties"] is False
    assert set(schemas["RegistrationRequest"]["properties"]["home_region"]["enum"]) == {"", None, *HOME_REGIONS}
    assert {"message", "field", "fields", "details"} <= set(schemas["ApiErrorDetail"]["properties"])
    query = {p["name"]: p for p in document["paths"]["/api/v1/organizations"]["get"]["parameters"]}
    assert set(query["country"]["schema"]["enum"]) == country_codes()
    for path in JSON_POSTS:
        post = document["paths"][path]["post"]
        assert {"400", "415", "422", "429"} <= set(post["responses"])
        assert list(post["requestBody"]["content"]) == ["application/json"]


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/api/v1/organizations", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/api/v1/help-requests", {"POST", "OPTIONS"}),
    ("GET", "/api/v1/events/x/registrations", {"POST", "OPTIONS"}),
])
def test_a_method_not_allowed_says_which_are(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.is_json
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
