"""Capacity under load: simultaneous registrations against gunicorn with several worker processes.

N people register at the same moment for K places: exactly K are confirmed and N-K waitlisted at
positions 1..N-K, with no gap and no duplicate; cancellations then promote exactly one person each,
in waitlist order, also when they arrive at the same moment. Runs on SQLite and PostgreSQL."""
import http.cookiejar
import re
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from diaspora.models import Event, Registration, RegistrationSession
from tests.conftest import REGISTRANT
from tests.servers import gunicorn, post_json  # noqa: F401  (gunicorn: the fixture)

pytestmark = pytest.mark.slow
N, K = 40, 10




def at_once(fn, items):
    """Call fn(item) for every item from its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(items))

    def run(item):
        barrier.wait()
        return fn(item)

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(run, items))


def cancel_through_the_page(server_url: str, token: str) -> int:
    """What a person does: open the private page (session cookie, CSRF token), press "cancel"."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{server_url}/r/{token}", timeout=60) as response:
        page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, page
    csrf = match.group(1)
    data = urllib.parse.urlencode({"csrf_token": csrf, "confirm": "yes"}).encode()
    with opener.open(urllib.request.Request(f"{server_url}/r/{token}/cancel", data=data), timeout=60) as response:
        return response.status


def state(db_query, slug):
    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
        waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_seq)
        return {
            "confirmed": sorted(r.email for r in rows if r.status == "confirmed"),
            "waitlist": [r.email for r in waiting],
            "cancelled": sorted(r.email for r in rows if r.status == "cancelled"),
            "tokens": {r.email: r.token for r in rows},
            "seqs": [r.waitlist_seq for r in waiting],
        }
    return db_query(read)


def test_simultaneous_registrations_never_overbook(gunicorn, make_event, db_query):
    slug = make_event(capacity=K)
    server = gunicorn(RATELIMIT_ENABLED="0", MAIL_SERVER="")
    server.wait_healthy()
    url = f"{server.url}/api/v1/events/{slug}/registrations"

    answers = at_once(lambda i: post_json(url, {**REGISTRANT, "email": f"person{i:02d}@example.org"}), list(range(N)))
    assert [status for status, _ in answers] == [201] * N, answers
    statuses = [body["status"] for _, body in answers]
    assert statuses.count("confirmed") == K and statuses.count("waitlisted") == N - K
    positions = sorted(body["waitlist_position"] for _, body in answers if body["status"] == "waitlisted")
    assert positions == list(range(1, N - K + 1))  # no gap, no duplicate

    now = state(db_query, slug)
    assert len(now["confirmed"]) == K and len(now["waitlist"]) == N - K
    assert len(set(now["seqs"])) == N - K

    # Cancellations one after another: each promotes exactly the first on the waitlist.
    for email in now["confirmed"][:3]:
        before = state(db_query, slug)
        assert cancel_through_the_page(server.url, before["tokens"][email]) == 200
        after = state(db_query, slug)
        assert len(after["confirmed"]) == K
        assert after["waitlist"] == before["waitlist"][1:]
        assert before["waitlist"][0] in after["confirmed"] and email in after["cancelled"]

    # Five cancellations at the same moment promote the next five, in order.
    before = state(db_query, slug)
    leaving = before["confirmed"][:5]
    codes = at_once(lambda email: cancel_through_the_page(server.url, before["tokens"][email]), leaving)
    assert codes == [200] * 5
    after = state(db_query, slug)
    assert len(after["confirmed"]) == K
    assert after["waitlist"] == before["waitlist"][5:]
    assert set(before["waitlist"][:5]) <= set(after["confirmed"])
    assert "Traceback" not in server.output(), server.output()


def test_the_same_email_at_the_same_moment_registers_once(gunicorn, make_event, db_query):
    slug = make_event(capacity=5)
    server = gunicorn(RATELIMIT_ENABLED="0", MAIL_SERVER="")
    server.wait_healthy()
    url = f"{server.url}/api/v1/events/{slug}/registrations"
    answers = at_once(lambda _: post_json(url, dict(REGISTRANT)), list(range(12)))
    assert sorted(status for status, _ in answers) == [201] + [409] * 11
    now = state(db_query, slug)
    assert now["confirmed"] == [REGISTRANT["email"]]


def test_the_last_seats_of_a_session_go_to_exactly_as_many_and_the_rest_wait_in_order(gunicorn, make_event,
                                                                                      event_ids, db_query):
    """A full session no longer refuses anyone: exactly its seats are taken, everyone else waits for it at
    positions 1..N with no gap and no duplicate (events.session_seats, under the event's lock)."""
    slug = make_event(capacity=50, sessions=[{"title": "Бизнес", "capacity": 5}])
    (business,), _ = event_ids(slug)
    server = gunicorn(RATELIMIT_ENABLED="0", MAIL_SERVER="")
    server.wait_healthy()
    url = f"{server.url}/api/v1/events/{slug}/registrations"
    people = 20
    answers = at_once(lambda i: post_json(url, {**REGISTRANT, "email": f"s{i}@example.org", "sessions": [business]}),
                      list(range(people)))
    assert [status for status, _ in answers] == [201] * people, answers
    assert all(body["status"] == "confirmed" for _, body in answers)

    def links(db):
        db.session.expire_all()
        return db.session.execute(select(RegistrationSession.status, RegistrationSession.waiting_seq)
                                  .where(RegistrationSession.session_id == business)).all()
    rows = db_query(links)
    assert sum(1 for status, _ in rows if status == "seated") == 5
    assert sorted(seq for status, seq in rows if status == "waiting") == list(range(1, people - 5 + 1))
    assert "Traceback" not in server.output(), server.output()
