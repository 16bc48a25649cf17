"""Delegations and single registrations at the same moment against gunicorn with several worker processes:
10 delegations of 5 members and 10 single registrations for 20 places end with exactly 20 confirmed and the
other 40 waitlisted at positions 1..40 with no gap (as the app reports them); cancelling a delegation's member
then promotes exactly one. Runs on SQLite and PostgreSQL."""
import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from diaspora.events.places import waitlist_position
from diaspora.models import Event, Registration
from tests.conftest import REGISTRANT
from tests.servers import gunicorn, post_json  # noqa: F401  (gunicorn: the fixture)
from tests.test_event_concurrency import at_once

pytestmark = pytest.mark.slow
PLACES, DELEGATIONS, MEMBERS, SINGLES = 20, 10, 5, 10


def delegation(i: int) -> dict:
    return {"head": {"full_name": f"Башчы {i}", "email": f"head{i}@example.org"}, "consent": True,
            "language": "ky",
            "members": [{"full_name": f"Мүчө {i}-{j}", "email": f"d{i}m{j}@example.org" if j % 2 else None,
                         "country": "KG", "city": "Ош"} for j in range(MEMBERS)]}


def state(db_query, slug):
    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
        return {"statuses": {r.id: r.status for r in rows},
                "positions": sorted(waitlist_position(r) for r in rows if r.status == "waitlisted"),
                "counters": (event.places_taken, event.waiting),
                "members": {r.id: r.delegation_id for r in rows}}
    return db_query(read)


def cancel_member(server_url: str, manage_url: str, registration_id: int) -> int:
    """What the head does: open the confirmation page (session cookie, CSRF token), press "yes"."""
    path = "/" + manage_url.split("/", 3)[3]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{server_url}{path}/cancel?member={registration_id}", timeout=60) as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    data = urllib.parse.urlencode({"csrf_token": match.group(1), "confirm": "yes", "member": registration_id})
    with opener.open(urllib.request.Request(f"{server_url}{path}/cancel", data=data.encode()), timeout=60) as answer:
        return answer.status


def test_delegations_and_single_registrations_at_once_never_overbook(gunicorn, make_event, db_query):
    slug = make_event(capacity=PLACES)
    server = gunicorn(RATELIMIT_ENABLED="0", MAIL_SERVER="")
    server.wait_healthy()
    base = f"{server.url}/api/v1/events/{slug}"
    requests = [("d", i) for i in range(DELEGATIONS)] + [("s", i) for i in range(SINGLES)]

    def send(item):
        kind, i = item
        if kind == "d":
            return kind, post_json(f"{base}/delegations", delegation(i))
        return kind, post_json(f"{base}/registrations", {**REGISTRANT, "email": f"single{i}@example.org"})

    answers = at_once(send, requests)
    assert all(status == 201 for _, (status, _) in answers), answers
    reported = []
    for kind, (_, body) in answers:
        reported += body["members"] if kind == "d" else [body]
    statuses = [m["status"] for m in reported]
    assert statuses.count("confirmed") == PLACES and statuses.count("waitlisted") == 40
    now = state(db_query, slug)
    assert list(now["statuses"].values()).count("confirmed") == PLACES
    assert now["positions"] == list(range(1, 41))  # no gap, no duplicate
    assert now["counters"] == (PLACES, 40)
    # each delegation's members wait in their order, one after the other (consecutive places)
    for kind, (_, body) in answers:
        if kind == "d":
            waiting = [m["waitlist_position"] for m in body["members"] if m["status"] == "waitlisted"]
            assert waiting == list(range(waiting[0], waiting[0] + len(waiting))) if waiting else True

    # Cancelling a confirmed member of a delegation promotes exactly one.
    kind, (_, body) = next((k, a) for k, a in answers
                           if k == "d" and any(m["status"] == "confirmed" for m in a[1]["members"]))
    confirmed_code = next(m["code"] for m in body["members"] if m["status"] == "confirmed")
    registration_id = db_query(lambda db: db.session.scalar(select(Registration.id).where(
        Registration.code == confirmed_code)))
    before = state(db_query, slug)
    assert cancel_member(server.url, body["manage_url"], registration_id) == 200
    after = state(db_query, slug)
    assert after["statuses"][registration_id] == "cancelled"
    promoted = [rid for rid, status in after["statuses"].items()
                if status == "confirmed" and before["statuses"][rid] == "waitlisted"]
    assert len(promoted) == 1
    assert list(after["statuses"].values()).count("confirmed") == PLACES
    assert after["positions"] == list(range(1, 40))
    assert "Traceback" not in server.output(), server.output()
