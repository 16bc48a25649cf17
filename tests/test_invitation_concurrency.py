"""An invitation is taken once, also when "accept" is pressed on its link in several sessions at the same
moment (the invitee on a phone and a laptop, or a double click) against a server with several worker
processes (gunicorn). Only the invited address may take it, so the sessions are all the invitee's.
Runs on SQLite and PostgreSQL."""
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
SESSIONS = 6


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


def test_simultaneous_accepts_take_the_invitation_once(gunicorn, client, login, make_user, make_org,
                                                       db_query):
    from diaspora.models import Invitation, Membership, OrganizationRevision

    owner = make_user(email="owner@example.org")
    org_id = make_org(name="Ала-Тоо", owner=owner)
    invitee = make_user(email="invited@example.org")
    invite(client, login, org_id, owner, "invited@example.org")
    path = invitation_path(db_query, "invited@example.org")

    server = gunicorn()
    server.wait_healthy()
    browsers = []
    for _ in range(SESSIONS):
        browser = Browser(server.url)
        browser.login(invitee.email)
        page = browser.get(path)
        assert "csrf_token" in page and "/auth/logout" in page and "wrong-account" not in page  # the accept form
        browsers.append((browser, page))

    results = at_once(lambda item: accept(item[0], path, item[1]), browsers)
    assert sorted(status for status, _ in results) == [200] + [404] * (SESSIONS - 1), results
    assert [where for status, where in results if status == 200] == [f"/organizations/{org_id}"]

    def read(db):
        db.session.expire_all()
        invitation = db.session.scalar(select(Invitation))
        roles = db.session.scalars(select(Membership.role).where(
            Membership.organization_id == org_id, Membership.user_id == invitee.id)).all()
        taken = db.session.scalars(select(OrganizationRevision.id).where(
            OrganizationRevision.organization_id == org_id, OrganizationRevision.action == "admin_added")).all()
        return invitation.status, invitation.accepted_by_id, roles, len(taken)

    assert db_query(read) == ("accepted", invitee.id, ["admin"], 1)  # taken once: one membership, one record
