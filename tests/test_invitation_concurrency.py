"""An invitation is taken once, also when several people press "accept" on its link at the same moment
against a server with several worker processes (gunicorn). Runs on SQLite and PostgreSQL."""
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from tests.invitation_helpers import invitation_path, invite
from tests.servers import gunicorn  # noqa: F401  (the fixture)
from tests.test_assistance_concurrency import CSRF, Browser
from tests.test_event_concurrency import at_once

pytestmark = pytest.mark.slow
PEOPLE = 6


def accept(browser: Browser, path: str, page: str) -> tuple[int, str]:
    """POST the accept form; (status, final path) after the redirect, or the error status."""
    match = CSRF.search(page)
    assert match, page
    data = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2)}).encode()
    try:
        with browser.opener.open(urllib.request.Request(browser.base + path, data=data), timeout=60) as response:
            return response.status, urllib.parse.urlsplit(response.url).path
    except urllib.error.HTTPError as error:
        return error.code, path


def test_simultaneous_accepts_let_exactly_one_person_in(gunicorn, client, login, make_user, make_org,
                                                        db_query):
    from diaspora.models import Invitation, Membership

    owner = make_user(email="owner@example.org")
    org_id = make_org(name="Ала-Тоо", owner=owner)
    people = [make_user(email=f"person{i}@example.org") for i in range(PEOPLE)]
    invite(client, login, org_id, owner, "invited@example.org")
    path = invitation_path(db_query, "invited@example.org")

    server = gunicorn()
    server.wait_healthy()
    browsers = []
    for person in people:
        browser = Browser(server.url)
        browser.login(person.email)
        page = browser.get(path)
        assert "csrf_token" in page and "/auth/logout" in page  # logged in, the accept form is there
        browsers.append((browser, page))

    results = at_once(lambda item: accept(item[0], path, item[1]), browsers)
    assert sorted(status for status, _ in results) == [200] + [404] * (PEOPLE - 1), results
    [winner_index] = [i for i, (status, _) in enumerate(results) if status == 200]
    assert results[winner_index][1] == f"/organizations/{org_id}"

    def read(db):
        db.session.expire_all()
        invitation = db.session.scalar(select(Invitation))
        added = db.session.scalars(select(Membership.user_id).where(
            Membership.organization_id == org_id, Membership.role == "admin")).all()
        return invitation.status, invitation.accepted_by_id, added

    status, accepted_by, added = db_query(read)
    assert status == "accepted" and accepted_by == people[winner_index].id
    assert added == [people[winner_index].id]
