"""Only one association can accept a request, also when several press "accept" at the same moment on
a server with several worker processes (gunicorn). Runs on SQLite and PostgreSQL."""
import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from tests.assistance_helpers import CITIES, REQUEST
from tests.conftest import DEFAULT_PASSWORD
from tests.servers import gunicorn  # noqa: F401  (the fixture)
from tests.test_event_concurrency import at_once

pytestmark = pytest.mark.slow
ORGS = 5
REQUESTS = 3
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    """A coordinator's session: cookies and the CSRF token, as a browser keeps them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, page: str, **fields) -> int:
        match = CSRF.search(page)
        assert match, page
        data = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2), **fields}).encode()
        with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=60) as response:
            return response.status

    def login(self, email: str) -> None:
        page = self.get("/auth/login")
        self.post("/auth/login", page, email=email, password=DEFAULT_PASSWORD)


def test_simultaneous_accepts_let_exactly_one_association_through(gunicorn, make_org, make_user, client,
                                                                   db_query):
    from diaspora.models import HelpEvent, HelpRequest, HelpRoute

    people = []
    for i in range(ORGS):
        admin = make_user(email=f"coordinator{i}@example.org")
        lat, lng = CITIES["Екатеринбург"]
        org_id = make_org(name=f"Ассоциация {i}", city="Екатеринбург", lat=lat + i / 100, lng=lng,
                          categories=("legal-aid",), owner=admin)
        people.append((admin.email, org_id))
    references = []
    for _ in range(REQUESTS):
        response = client.post("/api/v1/help-requests", json=REQUEST)
        assert response.status_code == 201
        references.append(response.get_json()["reference"])
    ids = [db_query(lambda db, r=r: db.session.scalar(select(HelpRequest.id).where(HelpRequest.reference == r)))
           for r in references]
    routed = db_query(lambda db: db.session.scalar(select(func.count()).select_from(HelpRoute)))
    assert routed == ORGS * REQUESTS

    server = gunicorn()
    server.wait_healthy()
    browsers = []
    for email, org_id in people:
        browser = Browser(server.url)
        browser.login(email)
        browsers.append((browser, org_id))

    for request_id in ids:
        pages = [(browser, org_id, browser.get(f"/help/requests/{request_id}")) for browser, org_id in browsers]
        assert all(f'id="accept-{org_id}"' in page for _, org_id, page in pages)
        statuses = at_once(lambda item, request_id=request_id: item[0].post(
            f"/help/requests/{request_id}/accept", item[2], organization_id=item[1]), pages)
        assert statuses == [200] * ORGS  # everyone lands back on the request's page; no error

        def read(db, request_id=request_id):
            db.session.expire_all()
            request = db.session.get(HelpRequest, request_id)
            accepted = db.session.scalars(select(HelpEvent.organization_id).where(
                HelpEvent.request_id == request_id, HelpEvent.action == "accepted")).all()
            return request.status, request.accepted_org_id, accepted
        status, winner, accepted_log = db_query(read)
        assert status == "accepted" and winner in {org_id for _, org_id in people}
        assert accepted_log == [winner]  # one acceptance, logged once
        # only the winner sees how to reach the person
        for browser, org_id in browsers:
            page = browser.get(f"/help/requests/{request_id}")
            assert ("+7 912 000 11 22" in page) == (org_id == winner)
