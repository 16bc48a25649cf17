"""Participants' mail against a real SMTP server (aiosmtpd): confirmation, promotion and rejection, in
the language they registered in, with the calendar file and the ticket; and when the server is down,
registrations still succeed and the mail goes out once it is back. The worker sends (`worker --once`)."""
import pytest
from icalendar import Calendar

from tests.conftest import REGISTRANT, Inbox, SocketController
from tests.test_mail import outbox


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


@pytest.fixture
def mail_on(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3,
                      SITE_URL="https://diaspora.example")


def register(client, slug, **fields):
    return client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, **fields})


def work(runner):
    """What the worker does on its round: the requests above only queued their mail."""
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def attachments(message) -> dict:
    return {part.get_filename(): part for part in message.iter_attachments()}


def test_confirmation_with_calendar_and_ticket_in_the_registration_language(mail_on, inbox, client, runner,
                                                                            make_event):
    slug = make_event(title="Мекендештер 2026", title_ru="Форум «Мекендештер» 2026", capacity=5)
    body = register(client, slug, language="ru").get_json()
    assert inbox.messages == []  # the request only queued it
    work(runner)
    (message,) = inbox.messages
    assert message["To"] == REGISTRANT["email"]
    assert "Форум «Мекендештер» 2026" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert body["manage_url"] in text and "https://diaspora.example/r/" in text
    files = attachments(message)
    assert set(files) == {"event.ics", "ticket.pdf"}
    assert files["ticket.pdf"].get_content().startswith(b"%PDF")
    calendar = Calendar.from_ical(files["event.ics"].get_content())
    (event,) = list(calendar.walk("VEVENT"))
    assert "Форум «Мекендештер» 2026" in str(event["SUMMARY"])


def test_waitlist_then_promotion_then_rejection_mail(mail_on, inbox, client, runner, make_event, make_user, login):
    slug = make_event(capacity=1, approval=False)
    first = register(client, slug, email="first@example.org", language="ky").get_json()
    register(client, slug, email="second@example.org", language="en")
    register(client, slug, email="third@example.org", language="en")
    work(runner)
    assert len(inbox.messages) == 3
    waitlisted = next(m for m in inbox.messages if m["To"] == "second@example.org")
    assert "waitlist" in waitlisted["Subject"].lower() and not attachments(waitlisted)
    assert "1" in waitlisted.get_body(preferencelist=("plain",)).get_content()

    token = first["manage_url"].rsplit("/", 1)[1]
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})
    work(runner)
    assert any(m["To"] == "second@example.org" and "place" in m["Subject"].lower() for m in inbox.messages)
    promoted = [m for m in inbox.messages if m["To"] == "second@example.org"][-1]
    assert set(attachments(promoted)) == {"event.ics", "ticket.pdf"}

    login(make_user(is_admin=True))
    with client.application.app_context():
        from sqlalchemy import select

        from diaspora.extensions import db
        from diaspora.models import Registration

        third_id = db.session.scalar(select(Registration.id).where(Registration.email == "third@example.org"))
    client.post(f"/events/{slug}/manage/registrations/{third_id}/reject",
                data={"reason": "The hall is for residents of Kazakhstan"})
    work(runner)
    assert any(m["To"] == "third@example.org" and "not accepted" in m["Subject"].lower() for m in inbox.messages)
    rejected = [m for m in inbox.messages if m["To"] == "third@example.org"][-1]
    assert "residents of Kazakhstan" in rejected.get_body(preferencelist=("plain",)).get_content()


def test_registrations_succeed_while_smtp_is_down_and_mail_goes_out_later(mail_on, smtp_socket, client, runner,
                                                                          make_event, db_query):
    slug = make_event(capacity=5)
    answers = [register(client, slug, email=f"p{i}@example.org") for i in range(3)]
    assert [a.status_code for a in answers] == [201] * 3  # nobody notices the mail server is down
    work(runner)  # the worker finds the server down
    waiting = outbox(db_query)
    assert len(waiting) == 3 and all(m.status == "pending" and m.attempts == 0 for m in waiting)  # kept, unharmed

    box = Inbox()
    controller = SocketController(box, smtp_socket)
    controller.start()
    try:
        result = runner.invoke(args=["send-mail"])  # no --now needed: an outage costs no back-off
        assert "sent 3, failed 0" in result.output, result.output
        assert sorted(m["To"] for m in box.messages) == ["p0@example.org", "p1@example.org", "p2@example.org"]
        assert all(set(attachments(m)) == {"event.ics", "ticket.pdf"} for m in box.messages)
    finally:
        controller.stop()
    assert all(m.status == "sent" and not m.attachments for m in outbox(db_query))


def test_news_that_is_no_longer_true_is_not_sent(mail_on, smtp_socket, client, runner, make_event, db_query, make_user,
                                                login):
    """Mail is composed when it is sent: a confirmation for a registration cancelled since (while the
    server was down) is kept as void, not sent; the promotion it caused goes out."""
    slug = make_event(capacity=1)
    token = register(client, slug, email="first@example.org", language="en").get_json()["manage_url"].rsplit("/", 1)[1]
    register(client, slug, email="second@example.org", language="en")
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})
    box = Inbox()
    controller = SocketController(box, smtp_socket)
    controller.start()
    try:
        runner.invoke(args=["send-mail", "--now"])
    finally:
        controller.stop()
    # the cancellation's confirmation, without ticket or calendar; the promotion, with the ticket
    assert sorted(m["To"] for m in box.messages) == ["first@example.org", "second@example.org"]
    by_address = {m["To"]: m for m in box.messages}
    cancelled = by_address["first@example.org"]
    assert "cancelled" in cancelled["Subject"] and not attachments(cancelled)
    assert set(attachments(by_address["second@example.org"])) == {"event.ics", "ticket.pdf"}
    statuses = sorted((m.to_address, m.status) for m in outbox(db_query))
    assert statuses == [("first@example.org", "sent"), ("first@example.org", "void"), ("second@example.org", "sent"),
                        ("second@example.org", "void")]
    login(make_user(is_admin=True))
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "first@example.org" in page


def test_private_links_do_not_stay_in_the_outbox_once_sent(mail_on, inbox, client, runner, make_event, db_query):
    slug = make_event()
    body = register(client, slug, language="en").get_json()
    work(runner)
    token = body["manage_url"].rsplit("/", 1)[1]
    assert token in inbox.messages[0].get_body(preferencelist=("plain",)).get_content()  # the person has it
    (message,) = outbox(db_query)
    assert message.status == "sent" and token not in message.body_text and "/r/…" in message.body_text
