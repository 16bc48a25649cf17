"""One unit of work per request and per command: committed once, after the view; nothing kept of a request
that failed or was refused; what follows a commit runs after it, from the web and the CLI alike."""
from contextlib import contextmanager

import pytest
from flask import flash, redirect
from sqlalchemy import event, select

from diaspora import unit_of_work
from diaspora.database import utcnow
from diaspora.errors import ServiceError
from diaspora.models import OutboxMessage, PeriodicJob, Registration, User
from tests.test_auth import mailed_path, outbox, signup
from tests.test_events import api_register


def _job(name: str) -> PeriodicJob:
    return PeriodicJob(name=name, next_run_at=utcnow())


def _jobs(db_query) -> list[str]:
    return db_query(lambda db: db.session.scalars(select(PeriodicJob.name).order_by(PeriodicJob.name)).all())


@contextmanager
def counting_commits(app):
    """Commits that reach the database (a released savepoint is not one)."""
    from diaspora.extensions import db

    with app.app_context():
        engine = db.engine
    commits: list[int] = []

    def count(connection):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", count)


@pytest.fixture
def probe(app):
    """Views that write a row and then end in each way a view can end."""
    from diaspora.extensions import db

    def refused():
        try:
            with unit_of_work.attempt():
                db.session.add(_job("refused"))
                db.session.flush()
                raise ServiceError("No.")
        except ServiceError as error:
            flash(error.message, "error")
        db.session.add(_job("after-refusal"))  # nothing after a refusal is committed either
        return redirect("/")

    def crashed():
        db.session.add(_job("crashed"))
        db.session.flush()
        raise RuntimeError("a bug after the flush")

    def saved():
        db.session.add(_job("saved-1"))
        db.session.flush()
        db.session.add(_job("saved-2"))
        unit_of_work.after_commit(lambda: ran.append(_jobs_now()))
        return "ok"

    def commit_fails():
        db.session.add(User(email="taken@example.org", password_hash="x"))  # flushed by the commit, and refused
        flash("Saved.", "success")
        return redirect("/")

    def _jobs_now():
        with app.app_context():  # another session: what is committed
            return sorted(db.session.scalars(select(PeriodicJob.name)).all())

    ran: list[list[str]] = []
    for view in (refused, crashed, saved, commit_fails):
        app.add_url_rule(f"/probe/{view.__name__}", view.__name__, view, methods=["POST"])
    return ran


def test_a_refusal_caught_by_the_view_leaves_nothing_written(client, probe, db_query):
    response = client.post("/probe/refused")
    assert response.status_code == 302  # the view flashed the refusal and went on
    assert _jobs(db_query) == []
    assert "No." in client.get("/").get_data(as_text=True)


def test_an_exception_after_a_flush_leaves_nothing_written(client, probe, db_query):
    response = client.post("/probe/crashed")
    assert response.status_code == 500
    assert _jobs(db_query) == []


def test_a_request_commits_once_after_the_view_and_then_runs_what_follows(app, client, probe, db_query):
    with counting_commits(app) as commits:
        assert client.post("/probe/saved").status_code == 200
    assert len(commits) == 1
    assert probe == [["saved-1", "saved-2"]]  # after the commit: another session sees both rows
    assert _jobs(db_query) == ["saved-1", "saved-2"]


def test_a_failed_commit_is_an_error_page_and_claims_nothing(client, probe, make_user, db_query):
    make_user(email="taken@example.org")
    response = client.post("/probe/commit_fails")
    assert response.status_code == 500
    assert "Saved." not in response.get_data(as_text=True)
    assert "Saved." not in client.get("/").get_data(as_text=True)  # the flash went with the transaction
    assert db_query(lambda db: db.session.scalar(select(User.email))) == "taken@example.org"


def test_a_registration_refused_under_the_lock_queues_no_mail(app, client, make_event, event_ids, db_query):
    """The process's copy of the event predates a change to its programme (two sessions now overlap): the
    registration passes the check on the copy, is refused under the lock, and the refusal takes back all it
    wrote (a full session no longer refuses anyone: events.session_seats)."""
    from datetime import timedelta

    slug = make_event(capacity=5, sessions=[{"title": "Бизнес"}, {"title": "Миграция"}])
    business, migration = event_ids(slug)[0]
    assert api_register(client, slug, email="a@example.org", sessions=[business]).status_code == 201  # cached
    with app.app_context():
        from diaspora.events import programme, services
        from diaspora.extensions import db

        event = services.event_by_slug(slug)
        site = type("Site", (), {"id": None, "is_admin": True, "is_authenticated": True})()
        first, second = event.sessions
        programme.update_session(site, event, second, programme.SessionChanges(
            titles=second.title, starts_at=first.starts_at, ends_at=first.ends_at + timedelta(minutes=30)))
        db.session.commit()
    before = db_query(lambda db: db.session.scalars(select(OutboxMessage.to_address)).all())
    with counting_commits(app) as commits:
        refused = api_register(client, slug, email="b@example.org", sessions=[business, migration])
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "sessions"
    assert commits == []
    assert db_query(lambda db: db.session.scalars(select(OutboxMessage.to_address)).all()) == before
    assert db_query(lambda db: db.session.scalars(select(Registration.email)).all()) == ["a@example.org"]


def test_a_registration_commits_once(app, client, make_event):
    slug = make_event()
    with counting_commits(app) as commits:
        assert api_register(client, slug).status_code == 201
    assert len(commits) == 1


# --- the CLI and the web alike ---------------------------------------------------------------------------

@pytest.fixture
def accounts_created(app, monkeypatch):
    """create_user, as the CLI and the sign-up page both call it, asking to be told after the commit what
    another session then sees."""
    from diaspora.auth import services
    from diaspora.extensions import db

    original = services.create_user
    seen: list[list[str]] = []

    def committed_emails():
        with app.app_context():
            return db.session.scalars(select(User.email).order_by(User.email)).all()

    def create_user(*args, **kwargs):
        user = original(*args, **kwargs)
        unit_of_work.after_commit(lambda: seen.append(committed_emails()))
        return user

    monkeypatch.setattr(services, "create_user", create_user)
    return seen


def test_the_same_service_commits_and_follows_up_alike_from_the_cli_and_the_web(app, client, runner, db_query,
                                                                                accounts_created):
    with counting_commits(app) as commits:
        result = runner.invoke(args=["create-admin", "admin@example.org", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    assert len(commits) == 1 and accounts_created == [["admin@example.org"]]

    signup(client)
    link = mailed_path(outbox(db_query, "signup_confirm")[-1], "/auth/signup/")
    with counting_commits(app) as commits:
        assert client.post(link, data={"password": "long enough pw", "password2": "long enough pw"}).status_code == 302
    assert len(commits) == 1 and accounts_created[-1] == ["admin@example.org", "new@example.org"]


def test_a_command_that_fails_keeps_nothing_and_runs_no_follow_up(app, runner, db_query, accounts_created):
    result = runner.invoke(args=["create-admin", "admin@example.org", "--password", "short"])
    assert result.exit_code != 0 and "at least" in result.output
    assert accounts_created == []
    assert db_query(lambda db: db.session.scalar(select(User))) is None


# --- after_commit itself ----------------------------------------------------------------------------------

def test_after_commit_is_dropped_with_the_savepoint_or_transaction_it_belonged_to(app):
    from diaspora.extensions import db

    ran = []
    with app.app_context():
        with unit_of_work.unit_of_work():
            with db.session.begin_nested():
                unit_of_work.after_commit(lambda: ran.append("kept savepoint"))
            savepoint = db.session.begin_nested()
            unit_of_work.after_commit(lambda: ran.append("rolled back savepoint"))
            savepoint.rollback()
            unit_of_work.after_commit(lambda: ran.append("outer"))
            assert ran == []  # a released savepoint is not a commit
        assert ran == ["kept savepoint", "outer"]
        with pytest.raises(RuntimeError), unit_of_work.unit_of_work():
            unit_of_work.after_commit(lambda: ran.append("rolled back"))
            raise RuntimeError
        with unit_of_work.unit_of_work():
            pass
        assert ran == ["kept savepoint", "outer"]


def test_a_refusal_dooms_the_whole_unit_even_after_a_retry(app, db_query):
    from diaspora.extensions import db

    with app.app_context(), unit_of_work.unit_of_work():
        db.session.add(_job("before"))
        with pytest.raises(ServiceError), unit_of_work.attempt():
            raise ServiceError("No.")
        db.session.add(_job("after"))
        unit_of_work.discard()  # as a registration drawing its code again does
        db.session.add(_job("after the retry"))
    assert _jobs(db_query) == []
