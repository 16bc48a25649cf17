"""A process keeps what it read about an event (its rules, by slug) for the next registrations. When the
database is reset and seeded again while the process runs, the ids it remembers may belong to other events
by now: a registration posted to a slug must still land in that slug's event, and a valid one must not be
refused. In the test process (the test client) and in gunicorn, both kept running across the reset."""

import pytest
from sqlalchemy import delete, select

from diaspora.models import Event, Registration
from tests.conftest import REGISTRANT, _reset
from tests.servers import gunicorn, post_json  # noqa: F401  (gunicorn: the fixture)

FIRST, OTHER = "Мекендештер 2026", "Жаңы жыл"


def registered(db_query) -> dict[str, list[str]]:
    """Each event's slug with the emails registered for it."""
    def read(db):
        db.session.expire_all()
        return {event.slug: sorted(db.session.scalars(select(Registration.email).where(
            Registration.event_id == event.id)).all()) for event in db.session.scalars(select(Event))}
    return db_query(read)


def event_id(db_query, slug: str) -> int:
    return db_query(lambda db: db.session.scalar(select(Event.id).where(Event.slug == slug)))


def reset_and_seed(app, database, make_event, db_query, first_id_gone: bool) -> tuple[str, str]:
    """The database emptied and seeded again, another event first: it takes the id the first event had,
    and the first event comes back under its slug with the next id. With `first_id_gone` that other event
    is deleted again, so the remembered id is nobody's."""
    from diaspora.extensions import db

    with app.app_context():
        _reset(db, database)
        db.session.remove()
    other = make_event(title=OTHER)
    first = make_event(title=FIRST)
    if first_id_gone:
        def drop(db):
            db.session.execute(delete(Event).where(Event.slug == other))
            db.session.commit()
        db_query(drop)
    return first, other




@pytest.mark.parametrize("first_id_gone", [False, True], ids=["id-taken-by-another-event", "id-gone"])
def test_after_a_reset_a_registration_goes_to_the_event_of_its_slug(app, database, client, make_event, db_query,
                                                                   first_id_gone):
    slug = make_event(title=FIRST)
    before = event_id(db_query, slug)
    answer = client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT)
    assert answer.status_code == 201, answer.get_json()

    first, other = reset_and_seed(app, database, make_event, db_query, first_id_gone)
    assert first == slug and event_id(db_query, first) != before
    assert first_id_gone or event_id(db_query, other) == before  # the id the process remembers is another's

    answer = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "email": "later@example.org"})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["status"] == "confirmed"
    now = registered(db_query)
    assert now[first] == ["later@example.org"]
    assert first_id_gone or now[other] == []


def test_after_a_reset_the_rules_of_the_slug_s_event_apply(app, database, client, make_event, event_ids, db_query):
    """The event that comes back under the slug asks a question the remembered one did not: it must be answered."""
    from diaspora.extensions import db

    slug = make_event(title=FIRST)
    assert client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).status_code == 201
    with app.app_context():
        _reset(db, database)
        db.session.remove()
    other = make_event(title=OTHER)
    assert make_event(title=FIRST, questions=[{"kind": "text", "label": "Кесибиңиз?", "required": True}]) == slug
    _, (question,) = event_ids(slug)
    url = f"/api/v1/events/{slug}/registrations"
    answer = client.post(url, json=REGISTRANT)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == f"answers.{question}"
    answer = client.post(url, json={**REGISTRANT, "answers": {str(question): "Врач"}})
    assert answer.status_code == 201, answer.get_json()
    assert registered(db_query) == {slug: [REGISTRANT["email"]], other: []}


def test_after_a_reset_the_form_registers_in_the_event_of_its_slug(app, database, client, make_event, db_query):
    slug = make_event(title=FIRST)
    assert client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).status_code == 201
    first, other = reset_and_seed(app, database, make_event, db_query, first_id_gone=False)
    form = {k: ("y" if v is True else v) for k, v in REGISTRANT.items() if k != "language"}
    response = client.post(f"/events/{first}/register", data={**form, "email": "form@example.org"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert registered(db_query) == {first: ["form@example.org"], other: []}


def test_after_a_reset_a_new_programme_is_taken_at_once(app, database, client, make_event, event_ids, db_query):
    """The same slug and the same id again, with a session the process has never seen: choosing it is valid."""
    from diaspora.extensions import db

    slug = make_event(title=FIRST)
    assert client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT).status_code == 201
    with app.app_context():
        _reset(db, database)
        db.session.remove()
    assert make_event(title=FIRST, sessions=[{"title": "Бизнес", "capacity": 5}]) == slug
    (business,), _ = event_ids(slug)
    answer = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "sessions": [business]})
    assert answer.status_code == 201, answer.get_json()
    assert registered(db_query) == {slug: [REGISTRANT["email"]]}


@pytest.mark.slow
@pytest.mark.parametrize("first_id_gone", [False, True], ids=["id-taken-by-another-event", "id-gone"])
def test_gunicorn_kept_running_across_a_reset_registers_in_the_event_of_the_slug(
        gunicorn, app, database, make_event, db_query, first_id_gone):
    slug = make_event(title=FIRST)
    # one worker: the process that registered first is the one that answers after the reset
    server = gunicorn(workers=1)
    server.wait_healthy()
    url = f"{server.url}/api/v1/events/{slug}/registrations"
    status, body = post_json(url, REGISTRANT)
    assert status == 201, body

    first, other = reset_and_seed(app, database, make_event, db_query, first_id_gone)
    status, body = post_json(url, {**REGISTRANT, "email": "later@example.org"})
    assert status == 201, body
    assert body["status"] == "confirmed"
    now = registered(db_query)
    assert now[first] == ["later@example.org"]
    assert first_id_gone or now[other] == []
    assert "Traceback" not in server.output(), server.output()
