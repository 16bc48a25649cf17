"""Mail against a real SMTP server (aiosmtpd): queued by the request, sent by the worker (never by the web
worker), kept and retried when the server is down, never dropped; with no server configured, kept in the
outbox for site admins. The worker process itself: tests/test_mail_worker.py."""
import re
import time
from datetime import timedelta

from sqlalchemy import select

from diaspora.models import OutboxMessage
from tests.conftest import Inbox, SocketController


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def outbox(db_query):
    def read(db):
        db.session.expire_all()
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return db_query(read)


def test_without_a_mail_server_messages_stay_in_the_outbox(client, make_user, login, db_query):
    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})
    (message,) = outbox(db_query)
    assert message.status == "pending" and "/auth/reset/" in message.body_text
    admin = make_user(is_admin=True)
    login(admin)
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "user@example.org" in page
    assert "/auth/reset/" in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)


def test_a_request_only_queues_the_worker_sends(mail_config, smtp_server, live_server, runner, make_user,
                                                db_query):
    import urllib.parse
    import urllib.request

    make_user(email="user@example.org", locale="en")
    data = urllib.parse.urlencode({"email": "user@example.org"}).encode()
    with urllib.request.urlopen(f"{live_server}/auth/reset", data=data, timeout=10) as response:
        response.read()
    (message,) = outbox(db_query)
    assert message.status == "pending" and message.attempts == 0 and smtp_server.messages == []  # queued only

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    (mail,) = smtp_server.messages
    assert mail["To"] == "user@example.org"
    assert mail["From"] == "Diaspora <no-reply@diaspora.test>"
    assert re.search(r"/auth/reset/\S+", mail.get_content())
    assert outbox(db_query)[0].status == "sent"


def test_mail_waits_while_the_server_is_down_then_goes_out(mail_config, smtp_socket, client, runner, make_user,
                                                           db_query):
    make_user(email="user@example.org")
    response = client.post("/auth/reset", data={"email": "user@example.org"})
    assert response.status_code == 302  # the person is not bothered by our mail server
    result = runner.invoke(args=["send-mail"])  # nothing listens on the port
    assert "sent 0, failed 0" in result.output and "unreachable" in result.output, result.output
    (message,) = outbox(db_query)
    # kept, with the reason shown, and no back-off: an outage is not the message's fault
    assert message.status == "pending" and message.attempts == 0
    assert message.last_error.startswith("Mail server unreachable: ConnectionRefusedError")
    assert message.next_attempt_at <= message.created_at  # still due

    inbox = Inbox()
    controller = SocketController(inbox, smtp_socket)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])
        assert "sent 1, failed 0" in result.output, result.output
        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "user@example.org"
        (message,) = outbox(db_query)
        assert message.status == "sent" and message.attempts == 1 and message.last_error is None
        assert "sent 0" in runner.invoke(args=["send-mail", "--now"]).output  # sent once, not twice
    finally:
        controller.stop()


def test_two_senders_never_send_one_message_twice(mail_config, smtp_server, app, make_user, db_query):
    from diaspora import mail
    from diaspora.extensions import db
    from diaspora.mail import outbox as sending

    make_user(email="user@example.org")
    with app.test_request_context():
        mail.queue("user@example.org", "password_reset", "en", user=type("U", (), {"display_name": "x"})(),
                   link="http://x", hours=2)
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert sending.claim(message_id) is True
        assert sending.claim(message_id) is False


def test_admin_retry_makes_everything_due_for_the_worker(mail_config, smtp_server, client, runner, make_user,
                                                         login, db_query):
    admin = make_user(is_admin=True)
    login(admin)
    with client.application.test_request_context():
        from diaspora import mail
        from diaspora.database import utcnow
        from diaspora.extensions import db

        message = mail.queue("someone@example.org", "organization_published", "ru",
                             org=type("O", (), {"name": "Ала-Тоо"})(), link="http://x")
        message.next_attempt_at = utcnow() + timedelta(hours=6)  # backed off after a refusal
        db.session.commit()
    assert "sent 0" in runner.invoke(args=["send-mail"]).output  # not due
    client.get("/lang/en")
    page = client.post("/admin/outbox/retry", follow_redirects=True).get_data(as_text=True)
    assert "1 waiting message will be sent by the worker as soon as the mail server answers." in page
    client.get("/lang/ru")  # no promise of "a moment": the worker may be waiting out an outage
    page = client.post("/admin/outbox/retry", follow_redirects=True).get_data(as_text=True)
    assert "как только ответит почтовый сервер" in page
    assert smtp_server.messages == []  # not by the web worker
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert [m["To"] for m in smtp_server.messages] == ["someone@example.org"]
    assert "Ала-Тоо" in smtp_server.messages[0].get_content()


def test_subject_cannot_inject_headers(mail_config, smtp_server, app, runner):
    from diaspora import mail
    from diaspora.extensions import db

    with app.test_request_context():
        org = type("O", (), {"name": "Evil\r\nBcc: victim@example.org", "city": "X"})()
        mail.queue("admin@example.org", "moderation_waiting", "en", org=org, link="http://x")
        db.session.commit()
    runner.invoke(args=["send-mail", "--now"])
    (message,) = smtp_server.messages
    assert message["Bcc"] is None


def test_the_subject_is_one_line_whatever_the_values(mail_config, smtp_server, app, runner, db_query):
    """The subject is the template's first line: a line break in a value (queued by a service, with no form in
    between) stays in the subject, collapsed, and does not push the rest of it into the body."""
    from diaspora import mail
    from diaspora.extensions import db

    with app.test_request_context():
        org = type("O", (), {"name": "Ала-Тоо\nclick https://evil.example", "city": "Ош\r\n"})()
        inviter = type("U", (), {"display_name": "Айбек\n"})()
        mail.queue("someone@example.org", "organization_invitation", "en", org=org, inviter=inviter, role="admin",
                   days=7, link="http://x/invitations/t")
        db.session.commit()
    (message,) = outbox(db_query)
    assert message.subject == "An invitation to help run “Ала-Тоо click https://evil.example”"
    assert message.body_text.startswith("Айбек\n invites you to become an admin of “Ала-Тоо\nclick")
    runner.invoke(args=["send-mail", "--now"])
    (sent,) = smtp_server.messages
    assert sent["Subject"] == "An invitation to help run “Ала-Тоо click https://evil.example”"
    assert sent.get_content().startswith("Айбек")


def test_a_sent_reset_link_is_not_left_in_the_outbox(mail_config, smtp_server, client, runner, make_user, login,
                                                      db_query):
    make_user(email="user@example.org")
    client.post("/auth/reset", data={"email": "user@example.org"})
    runner.invoke(args=["send-mail"])
    assert re.search(r"/auth/reset/\S{20,}", smtp_server.messages[0].get_content())  # the person got it
    (message,) = outbox(db_query)
    assert message.status == "sent"
    assert re.search(r"/auth/reset/…", message.body_text) and not re.search(r"/auth/reset/\w{20,}", message.body_text)


def test_a_sent_sign_up_link_is_not_left_in_the_outbox(mail_config, smtp_server, client, runner, db_query):
    client.post("/auth/signup", data={"name": "", "email": "new@example.org"}).close()
    runner.invoke(args=["send-mail", "--now"])  # as the worker would (a request only queues it)
    assert len(smtp_server.messages) == 1
    assert re.search(r"/auth/signup/\S{20,}", smtp_server.messages[0].get_content())
    (message,) = outbox(db_query)
    assert message.status == "sent"
    assert "/auth/signup/…" in message.body_text and not re.search(r"/auth/signup/\w{20,}", message.body_text)

