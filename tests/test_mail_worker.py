"""The worker (`flask worker`): it alone talks to the mail server, with no transaction open while it
does; a hung or dead server costs the site nothing and the messages no back-off; periodic jobs run once
per period however many workers run. Against gunicorn, a real worker process, a tarpit that never
answers and a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""
import json
import signal
import sqlite3
import threading
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from diaspora.models import PeriodicJob
from tests.assistance_helpers import CITIES, REQUEST
from tests.conftest import REGISTRANT, Inbox, SocketController
from tests.servers import Tarpit, fetch, flask_worker, gunicorn  # noqa: F401  (the fixtures)
from tests.test_mail import outbox, wait_for

TIMEOUT = 60  # far below MAIL_TIMEOUT: a request that waited on the mail server fails the test


def post_json(url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def statuses(db_query) -> Counter:
    return Counter(message.status for message in outbox(db_query))


def sqlite_path(database) -> str | None:
    url = database["url"]
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:") else None


@pytest.mark.slow
def test_a_hung_mail_server_does_not_stop_the_site(gunicorn, flask_worker, database, make_event, make_org,
                                                   make_user, db_query):
    tarpit = Tarpit()
    mail = dict(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(tarpit.port), MAIL_USE_TLS="0", MAIL_TIMEOUT="600",
                MAIL_DEFAULT_SENDER="Diaspora <no-reply@diaspora.test>", MAIL_OUTAGE_RETRY_MAX="1")
    slug = make_event(capacity=8)
    lawyer = make_user(email="lawyer@example.org")
    lat, lng = CITIES["Екатеринбург"]
    make_org(name="Юристы", city="Екатеринбург", lat=lat, lng=lng, categories=("legal-aid",), owner=lawyer)
    server = gunicorn(**mail)
    server.wait_healthy()
    worker = flask_worker("--interval", "0.2", **mail)
    registrants, askers = [], []

    def register(i: int) -> tuple[int, str]:
        registrants.append(f"person{i}@example.org")
        return post_json(f"{server.url}/api/v1/events/{slug}/registrations",
                         {**REGISTRANT, "email": f"person{i}@example.org", "full_name": f"Person {i}"})

    def ask(i: int) -> tuple[int, str]:
        askers.append(f"asker{i}@example.org")
        return post_json(f"{server.url}/api/v1/help-requests", {**REQUEST, "email": f"asker{i}@example.org"})

    def burst(first: int, count: int) -> list[tuple[int, str]]:
        with ThreadPoolExecutor(max_workers=6) as pool:
            calls = [pool.submit(register, i) for i in range(first, first + count)]
            calls += [pool.submit(ask, i) for i in range(first, first + count // 2)]
            calls += [pool.submit(fetch, f"{server.url}/healthz", TIMEOUT) for _ in range(3)]
            return [call.result() for call in calls]

    try:
        answers = burst(0, 6)
        # the worker took the first message to the mail server, which never answers
        assert wait_for(lambda: tarpit.connections and statuses(db_query)["sending"] == 1, timeout=120), \
            worker.output()
        answers += burst(6, 12)  # while the worker hangs on it
        assert fetch(f"{server.url}/healthz", timeout=TIMEOUT) == (200, '{"status":"ok"}\n')
        failed = [(status, body) for status, body in answers if status not in (200, 201)]
        assert not failed and not [body for _, body in answers if "database is locked" in body]
        for log in (server.output(), worker.output()):
            assert "database is locked" not in log and "Traceback" not in log, log

        # every message is in the outbox, none sent, none lost
        messages = outbox(db_query)
        assert statuses(db_query) == Counter(pending=len(messages) - 1, sending=1)
        assert sorted(m.to_address for m in messages if m.to_address in registrants) == sorted(registrants)
        assert len([m for m in messages if m.kind == "request_received"]) == len(askers) == 9
        assert all(m.attempts == 0 for m in messages)

        # the server comes back on the same address: everything goes out once, without anyone's help
        inbox = Inbox()
        controller = SocketController(inbox, tarpit.hand_over())
        controller.start()
        try:
            assert wait_for(lambda: statuses(db_query) == Counter(sent=len(messages)), timeout=180), \
                (statuses(db_query), worker.output())
        finally:
            controller.stop()
        sent = outbox(db_query)
        person = set(askers)  # their address is not kept once sent
        assert Counter(("" if m["To"] in person else m["To"], m["Subject"]) for m in inbox.messages) == \
            Counter((m.to_address, m.subject) for m in sent)
        assert sorted(m["To"] for m in inbox.messages if m["To"] in person) == sorted(askers)
        assert Counter(m["To"] for m in inbox.messages if m["To"] in registrants) == Counter(registrants)
        assert "lawyer@example.org" in {m["To"] for m in inbox.messages}
        assert worker.stop() == 0 and "Worker stopped" in worker.output()
        assert "database is locked" not in server.output() + worker.output()
    finally:
        tarpit.close()


@pytest.mark.slow
def test_sigterm_releases_the_message_the_worker_was_waiting_on(flask_worker, client, make_user, db_query):
    tarpit = Tarpit()
    try:
        make_user(email="user@example.org")
        client.post("/auth/reset", data={"email": "user@example.org"})
        worker = flask_worker("--interval", "0.2", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(tarpit.port),
                              MAIL_USE_TLS="0", MAIL_TIMEOUT="600")
        assert wait_for(lambda: tarpit.connections and outbox(db_query)[0].status == "sending", timeout=120), \
            worker.output()
        assert worker.stop(timeout=60) == 0, worker.output()  # not after MAIL_TIMEOUT
        (message,) = outbox(db_query)
        assert message.status == "pending" and message.attempts == 0 and message.claimed_at is None
        assert "Worker stopped" in worker.output()
    finally:
        tarpit.close()


class Watcher(Inbox):
    """An SMTP server that looks at the database while it holds the worker in the middle of DATA."""

    def __init__(self, engine, sqlite_file):
        super().__init__()
        self.engine, self.sqlite_file, self.seen = engine, sqlite_file, []

    async def handle_DATA(self, server, session, envelope):
        held = self.engine.pool.checkedout()  # connections the worker's app has out of its pool
        written = True
        if self.sqlite_file:  # can another writer write right now, without waiting?
            other = sqlite3.connect(self.sqlite_file, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.rollback()
            except sqlite3.OperationalError:
                written = False
            finally:
                other.close()
        self.seen.append((held, written))
        return await super().handle_DATA(server, session, envelope)


def test_no_transaction_is_open_while_the_server_is_spoken_to(mail_config, smtp_socket, app, client, runner,
                                                            database, make_event, make_user, db_query):
    from diaspora.extensions import db

    slug = make_event(capacity=1)
    for i in range(2):  # confirmed with a ticket and a calendar (rendered when sent), then waitlisted
        assert client.post(f"/api/v1/events/{slug}/registrations",
                           json={**REGISTRANT, "email": f"p{i}@example.org"}).status_code == 201
    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})  # rendered when queued
    watcher = Watcher(db_query(lambda db: db.engine), sqlite_path(database))
    controller = SocketController(watcher, smtp_socket)
    controller.start()
    try:
        assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    finally:
        controller.stop()
    assert len(watcher.messages) == 3 and watcher.seen == [(0, True)] * 3
    assert statuses(db_query) == Counter(sent=3)

    class Checking:
        """A sender that checks the same from inside the worker's own session."""
        name, calls = "check", []

        def configured(self):
            return True

        @contextmanager
        def session(self):
            def send(letter):
                self.calls.append((db.session().in_transaction(), db.engine.pool.checkedout(), type(letter.body)))
            yield send

    client.post("/auth/reset", data={"email": "user@example.org"})
    from diaspora.mail.outbox import deliver_due

    with app.app_context():
        assert deliver_due(Checking()).sent == 1
    assert Checking.calls == [(False, 0, str)]


def test_a_refused_message_backs_off_alone_an_unreachable_server_costs_nothing(mail_config, smtp_socket, app,
                                                                               runner, db_query):
    from diaspora import mail
    from diaspora.extensions import db

    class Picky(Inbox):
        answer = "550 5.1.1 No such user"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("nobody"):
                return self.answer
            envelope.rcpt_tos.append(address)
            return "250 OK"

    with app.test_request_context():
        for to in ("first@example.org", "nobody@example.org", "third@example.org"):
            mail.queue(to, "organization_published", "en", org=type("O", (), {"name": "Ала-Тоо"})(), link="http://x")
        db.session.commit()
    inbox = Picky()
    controller = SocketController(inbox, smtp_socket)
    controller.start()
    try:
        assert "sent 2, failed 1" in runner.invoke(args=["send-mail"]).output
        assert sorted(m["To"] for m in inbox.messages) == ["first@example.org", "third@example.org"]
        refused = next(m for m in outbox(db_query) if m.status == "pending")
        assert refused.to_address == "nobody@example.org" and refused.attempts == 1
        assert "550" in refused.last_error and refused.next_attempt_at > refused.created_at + timedelta(minutes=1)

        Picky.answer = "421 4.3.2 Going down"  # the server, not the message: no back-off
        result = runner.invoke(args=["send-mail", "--now"])
        assert "sent 0, failed 0" in result.output and "unreachable" in result.output, result.output
        refused = next(m for m in outbox(db_query) if m.status == "pending")
        assert refused.attempts == 1 and "unreachable" in refused.last_error
    finally:
        controller.stop()


def test_the_worker_waits_longer_each_time_the_server_is_unreachable(mail_config, app, client,
                                                                    make_user, db_query, monkeypatch):
    from diaspora import worker as worker_module
    from diaspora.mail.outbox import Unavailable

    app.config["MAIL_OUTAGE_RETRY_MAX"] = 3
    clock = [1000.0]
    monkeypatch.setattr(worker_module.time, "monotonic", lambda: clock[0])

    class Flaky:
        name, down, tries = "flaky", True, []

        def configured(self):
            return True

        @contextmanager
        def session(self):
            def send(letter):
                self.tries.append(clock[0])
                if self.down:
                    raise Unavailable() from ConnectionRefusedError(111, "Connection refused")
            yield send

    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})
    worker = worker_module.Worker(app, interval=1, senders=[Flaky()])
    for now in (1000, 1000.5, 1001, 1002.9, 1003, 1005.9, 1006):
        clock[0] = now
        worker.tick()
    assert Flaky.tries == [1000, 1001, 1003, 1006]  # waits 1, 2, then 3 s: the cap
    (message,) = outbox(db_query)
    assert message.status == "pending" and message.attempts == 0 and "unreachable" in message.last_error
    Flaky.down = False
    clock[0] = 1009
    worker.tick()
    assert outbox(db_query)[0].status == "sent" and worker.outage_wait == {}


def test_periodic_jobs_run_once_per_period_however_many_workers(app, monkeypatch, db_query):
    from diaspora import jobs
    from diaspora.database import utcnow

    runs = []
    monkeypatch.setattr(jobs, "JOBS", {})
    jobs.register("count", timedelta(hours=1), lambda now: runs.append(now) or "counted")
    jobs.register("broken", timedelta(days=1), lambda now: 1 / 0)
    start = utcnow()
    barrier = threading.Barrier(4)

    def worker(_):
        with app.app_context():
            barrier.wait()
            try:
                return jobs.run_due(start)
            finally:
                from diaspora.extensions import db

                db.session.remove()

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(worker, range(4)))
    assert len(runs) == 1 and sum("count" in d for d in done) == 1
    # a failing job says why, is tried again sooner than its period, and did not keep the other from running
    rows = {row.name: row for row in db_query(lambda db: db.session.scalars(select(PeriodicJob)).all())}
    assert "ZeroDivisionError" in rows["broken"].last_error
    assert rows["broken"].next_run_at == start + jobs.RETRY_FAILED_AFTER
    with app.app_context():
        assert jobs.run_due(start + timedelta(minutes=14)) == {}  # not yet: within the period
        assert jobs.run_due(start + timedelta(minutes=61))["count"] == "counted"
    assert len(runs) == 2
    rows = {row.name: row for row in db_query(lambda db: db.session.scalars(select(PeriodicJob)).all())}
    assert rows["count"].next_run_at == start + timedelta(minutes=121) and rows["count"].claimed_until is None


@pytest.mark.slow
def test_two_worker_processes_run_each_job_once(flask_worker, db_query):
    first, second = flask_worker("--once"), flask_worker("--once")
    assert first.wait() == 0 and second.wait() == 0
    logs = first.output() + second.output()
    assert logs.count("Job help-retention:") == 1 and logs.count("Job event-reminders:") == 1, logs
    assert logs.count("Job guides-review-due:") == 1 and logs.count("Job help-escalate:") == 1, logs
    assert logs.count("Job send-alerts:") == 1 and logs.count("Job remind-owners:") == 1, logs
    again = flask_worker("--once")  # a restart does not run them again before their time
    assert again.wait() == 0 and "Job " not in again.output()
    rows = db_query(lambda db: db.session.scalars(select(PeriodicJob).order_by(PeriodicJob.name)).all())
    assert [(r.name, r.next_run_at - r.started_at) for r in rows] == [
        ("event-reminders", timedelta(hours=1)), ("event-team-notify", timedelta(minutes=5)),
        ("guides-review-due", timedelta(days=1)),
        ("help-escalate", timedelta(minutes=15)), ("help-retention", timedelta(days=1)),
        ("remind-owners", timedelta(days=1)), ("send-alerts", timedelta(hours=1))]


def test_stopping_interrupts_only_the_wait_on_the_network():
    from diaspora.mail.outbox import Interrupted
    from diaspora.worker import Stopping

    stopping = Stopping()
    stopping.request(signal.SIGTERM, None)  # outside: nothing raised, the step in progress goes on
    assert stopping.requested and stopping.event.is_set()
    with pytest.raises(Interrupted), stopping.interruptible():
        pass
    waiting = Stopping()
    with pytest.raises(Interrupted), waiting.interruptible():
        waiting.request(signal.SIGINT, None)  # as the signal arriving during the wait
        pytest.fail("the wait was not interrupted")


def test_a_letter_the_server_accepted_is_sent_once_whenever_the_signal_comes(app, client, make_user, db_query):
    """SIGTERM right after the server accepted a letter (its send returned) but before the worker left the
    wait: the letter is recorded as sent, not released to be sent again. Driven through Stopping directly,
    as the signal handler calls it."""
    from diaspora.mail.outbox import deliver_due
    from diaspora.worker import Stopping

    class Accepting:
        name = "accepting"

        def __init__(self, stopping):
            self.stopping, self.delivered, self.connected = stopping, [], False

        def configured(self):
            return True

        def abort(self):  # shuts its connection down: nothing raised in the handler
            connected, self.connected = self.connected, False
            return connected

        @contextmanager
        def session(self):
            def send(letter):
                self.connected = True
                self.delivered.append(letter.message_id)  # the server said "250 OK"...
                self.stopping.request(signal.SIGTERM, None)  # ...and the signal comes as send returns
            yield send

    make_user(email="user@example.org")
    for _ in range(2):
        client.post("/auth/reset", data={"email": "user@example.org"})
    stopping = Stopping()
    sender = Accepting(stopping)
    with app.app_context():
        outcome = deliver_due(sender, stopping=stopping)
    assert stopping.requested and outcome.sent == 1 and len(sender.delivered) == 1
    first, second = outbox(db_query)
    assert (first.status, first.attempts) == ("sent", 1) and first.id == sender.delivered[0]
    assert (second.status, second.claimed_at) == ("pending", None)  # the worker stopped before taking it
    restarted = Accepting(Stopping())
    with app.app_context():
        assert deliver_due(restarted, stopping=Stopping()).sent == 1
    assert restarted.delivered == [second.id] and statuses(db_query) == Counter(sent=2)


def test_stopping_ends_a_wait_on_an_open_connection(mail_config, smtp_socket, app, client, make_user,
                                                    db_query):
    """The real SMTP sender: the server holds the worker after the text was sent, without answering. The
    signal shuts the connection down (nothing raised from the handler): the message was not confirmed, so
    it waits for the next start, unharmed."""
    from diaspora.mail.outbox import deliver_due
    from diaspora.mail.smtp import SmtpSender
    from diaspora.worker import Stopping

    holding, released = threading.Event(), threading.Event()

    class Holding(Inbox):
        async def handle_DATA(self, server, session, envelope):
            holding.set()
            await server.loop.run_in_executor(None, released.wait, 60)
            return "451 Too late"

    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})
    app.config["MAIL_TIMEOUT"] = 120  # the signal, not a timeout, ends the wait (on a busy machine too)
    controller = SocketController(Holding(), smtp_socket)
    controller.start()
    stopping = Stopping()

    def signal_once_held():
        if holding.wait(60):
            stopping.request(signal.SIGTERM, None)  # as the handler would; it raises nothing here

    signaller = threading.Thread(target=signal_once_held)
    signaller.start()
    try:
        with app.app_context():
            outcome = deliver_due(SmtpSender(), stopping=stopping)
    finally:
        released.set()
        signaller.join(60)
        controller.stop()
    assert holding.is_set() and outcome.sent == 0 and outcome.unavailable is None
    (message,) = outbox(db_query)
    assert (message.status, message.attempts, message.claimed_at, message.last_error) == ("pending", 0, None, None)


def test_a_claim_outlives_the_longest_send(app, client, make_user, db_query):
    """A message claimed by a worker still sending it is not taken by another: the claim lasts longer than
    one send may take (MAIL_TIMEOUT for each step of the conversation)."""
    from diaspora.database import utcnow
    from diaspora.mail.outbox import MIN_CLAIM_TIMEOUT, claim, claim_timeout
    from diaspora.models import OutboxMessage

    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})
    (message,) = outbox(db_query)

    def claimed(ago):
        def write(db):
            row = db.session.get(OutboxMessage, message.id)
            row.status, row.claimed_at = "sending", utcnow() - ago
            db.session.commit()
        db_query(write)

    app.config["MAIL_TIMEOUT"] = 3
    assert db_query(lambda db: claim_timeout()) == MIN_CLAIM_TIMEOUT
    app.config["MAIL_TIMEOUT"] = 600  # a slow server, given ten minutes for each step
    longest = db_query(lambda db: claim_timeout())
    assert longest >= 10 * timedelta(seconds=600)
    claimed(MIN_CLAIM_TIMEOUT + timedelta(minutes=5))  # that worker may still be sending it
    assert not db_query(lambda db: claim(message.id))
    claimed(longest + timedelta(minutes=1))  # that worker died: taken again
    assert db_query(lambda db: claim(message.id))
