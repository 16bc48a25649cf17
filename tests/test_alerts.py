"""Alerts end to end against a real SMTP server (aiosmtpd): subscribe (no account), confirm by the link in the
mail, a new association published nearby, `send-alerts` mails it once and a second run nothing, unsubscribe by
the mail header's one-click POST; nothing for unconfirmed, far-away or other-topic subscriptions. The API's
202 and 422; the Atom feeds read by a feed parser."""
import re

import feedparser
import pytest
from sqlalchemy import func, select

from tests.assistance_helpers import CITIES, make_offer  # noqa: F401
from tests.test_event_mail import work

EKB = CITIES["Екатеринбург"]


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


@pytest.fixture
def mail_on(app_config, smtp_port):
    # CSRF on, as in production: the one-click unsubscribe must work without a token
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3,
                      SITE_URL="https://diaspora.example", WTF_CSRF_ENABLED=True)


def subscribe(client, **fields):
    body = {"email": "aigul@example.org", "near": "Екатеринбург", "radius_km": 50,
            "topics": ["organizations", "events", "offers"], "language": "ru", **fields}
    return client.post("/api/v1/subscriptions", json=body)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mails_to(inbox, address: str) -> list:
    return [m for m in inbox.messages if m["To"] == address]


def link(message, kind: str) -> str:
    (found,) = set(re.findall(rf"https://diaspora\.example(/alerts/{kind}/[\w-]+)", text_of(message)))
    return found


def confirm(client, message) -> None:
    path = link(message, "confirm")
    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the confirmation is a form with a CSRF token"
    assert client.post(path, data={"csrf_token": token.group(1)}).status_code == 302


def send_alerts(runner) -> str:
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    work(runner)
    return result.output


def subscription_count(db_query) -> int:
    from diaspora.models import AlertSubscription

    return db_query(lambda db: db.session.scalar(select(func.count()).select_from(AlertSubscription)))


def test_subscribe_confirm_digest_once_and_one_click_unsubscribe(mail_on, inbox, client, runner, make_org, db_query):
    assert subscribe(client).status_code == 202
    assert subscribe(client, email="AIGUL@example.org").status_code == 202  # the same address and area
    assert subscription_count(db_query) == 1
    assert subscribe(client, email="far@example.org", near="Новосибирск").status_code == 202
    assert subscribe(client, email="events@example.org", topics=["events"]).status_code == 202
    assert subscribe(client, email="later@example.org").status_code == 202  # never confirmed
    assert inbox.messages == []  # queued only
    work(runner)
    assert {m["To"] for m in inbox.messages} == {"aigul@example.org", "far@example.org", "events@example.org",
                                                "later@example.org"}
    first = mails_to(inbox, "aigul@example.org")[-1]
    assert "Екатеринбург" in text_of(first) and first["List-Unsubscribe"]
    for address in ("aigul@example.org", "far@example.org", "events@example.org"):
        confirm(client, mails_to(inbox, address)[-1])
    # a confirmed address asking again gets no second confirmation
    inbox.messages.clear()
    subscribe(client)
    work(runner)
    assert inbox.messages == []

    make_org(name="Урал <кыргыздары>", city="Екатеринбург", lat=EKB[0], lng=EKB[1])
    make_org(name="Москва мекендештери", city="Москва", lat=55.7558, lng=37.6173)
    assert "1 digests" in send_alerts(runner)
    (digest,) = inbox.messages
    assert digest["To"] == "aigul@example.org"
    body = text_of(digest)
    assert "Урал <кыргыздары>" in body and "Москва" not in body
    assert "Новые объединения" in body and digest["Subject"] == "Новое рядом с вами"  # the subscriber's language
    unsubscribe_url = digest["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith("https://diaspora.example/alerts/unsubscribe/")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url in body

    # a second run mails nothing; even a day later the same association is not sent again
    assert "0 digests" in send_alerts(runner)
    from datetime import timedelta

    from diaspora.models import AlertSubscription

    def a_day_ago(db):
        for row in db.session.scalars(select(AlertSubscription)):
            row.last_digest_at = row.last_digest_at and row.last_digest_at - timedelta(days=1, minutes=1)
        db.session.commit()

    db_query(a_day_ago)
    assert "0 digests" in send_alerts(runner)
    assert len(inbox.messages) == 1

    # RFC 8058: the mail client posts this body, with no cookie and no CSRF token
    path = unsubscribe_url.removeprefix("https://diaspora.example")
    fresh = client.application.test_client()
    assert fresh.get(path).status_code == 200  # a page with a button, deleting nothing
    assert subscription_count(db_query) == 4
    response = fresh.post(path, data="List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert subscription_count(db_query) == 3
    assert fresh.get(path).status_code == 404
    make_org(name="Екатеринбург жаштары", city="Екатеринбург", lat=EKB[0], lng=EKB[1])
    db_query(a_day_ago)
    send_alerts(runner)
    assert len(inbox.messages) == 1  # unsubscribed: nothing more


def test_events_and_offers_reach_the_subscribers_of_their_topic(mail_on, inbox, client, runner, make_org,
                                                                 make_event, make_user, make_offer, db_query):
    subscribe(client, email="events@example.org", topics=["events"])
    subscribe(client, email="offers@example.org", topics=["offers"], categories=["legal-aid"])
    work(runner)
    for message in list(inbox.messages):
        confirm(client, message)
    inbox.messages.clear()
    owner = make_user()
    org = make_org(name="Урал кыргыздары", city="Екатеринбург", lat=EKB[0], lng=EKB[1], owner=owner)
    slug = make_event(title="Нооруз", city="Екатеринбург", country="RU", latitude=EKB[0], longitude=EKB[1],
                       timezone="Asia/Yekaterinburg")
    make_event(title="Бишкектеги жолугушуу")  # far away
    make_offer(org, owner.id, title="Юридикалык кеңеш")
    from datetime import timedelta

    from diaspora.models import Event

    def at_night(db):  # 01:00 in Yekaterinburg (UTC+5): the day before in UTC
        row = db.session.scalars(select(Event).where(Event.slug == slug)).one()
        row.starts_at = row.starts_at.replace(hour=20, minute=0, second=0)
        row.ends_at = row.starts_at + timedelta(hours=3)
        db.session.commit()
        return f"{row.starts_at + timedelta(hours=5):%Y-%m-%d}"

    local_day = db_query(at_night)
    send_alerts(runner)
    by_address = {m["To"]: text_of(m) for m in inbox.messages}
    assert set(by_address) == {"events@example.org", "offers@example.org"}
    assert f"Нооруз — {local_day}, Екатеринбург" in by_address["events@example.org"]
    assert "Бишкектеги" not in by_address["events@example.org"]
    assert "Урал" not in by_address["events@example.org"]
    assert "Юридикалык кеңеш" in by_address["offers@example.org"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"email": "not-an-address"}, "email"),
    ({"near": "Qwzxqwzx"}, "near"),
    ({"topics": ["weather"]}, "topics"),
    ({"near": None}, "near"),
    ({"radius_km": 0}, "radius_km"),
    ({"categories": ["no-such-service"]}, "categories"),
])
def test_the_api_names_the_field_at_fault(client, fields, field):
    response = subscribe(client, **fields)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_a_country_subscription_and_the_web_form(client, db_query):
    assert subscribe(client, near=None, country="ru").status_code == 202
    assert subscribe(client, near=None, country="RU", topics=["events"]).status_code == 202  # the same one
    response = client.post("/alerts", data={"email": "web@example.org", "near": "", "country": "KZ",
                                            "radius_km": "50", "topics": ["events"], "language": "ky"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts/sent")
    assert subscription_count(db_query) == 2
    page = client.post("/alerts", data={"email": "x", "near": "", "country": "", "radius_km": "50",
                                        "language": "ru"}, headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Введите правильный адрес электронной почты." in html
    assert "Укажите город или выберите страну." in html and "Выберите, о чём сообщать." in html
    assert subscription_count(db_query) == 2


def test_atom_feeds_list_what_is_public_with_escaped_titles(client, make_org, make_event, make_user, make_offer):
    make_event(title='<script>alert("x")</script> & Нооруз', city="Екатеринбург", country="RU")
    make_event(title="Бишкектеги жолугушуу")
    make_event(title="Долбоор", country="RU", status="draft")
    owner = make_user()
    org = make_org(name="Урал кыргыздары", city="Екатеринбург", owner=owner)
    make_offer(org, owner.id, title="Кеңеш <b>акысыз</b>")

    response = client.get("/events.atom?country=RU")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert b"<script>" not in response.data
    feed = feedparser.parse(response.data)
    assert not feed.bozo and feed.version == "atom10"
    assert [entry.title for entry in feed.entries] == ['<script>alert("x")</script> & Нооруз']
    assert feed.entries[0].link.startswith("http") and "/events/" in feed.entries[0].link
    assert len(feedparser.parse(client.get("/events.atom").data).entries) == 2

    feed = feedparser.parse(client.get("/help/offers.atom?country=RU").data)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Кеңеш <b>акысыз</b>"]
    assert feedparser.parse(client.get("/help/offers.atom?country=KZ").data).entries == []
    assert client.get("/help/offers.atom?country=XX").status_code == 404
    assert 'type="application/atom+xml"' in client.get("/events").get_data(as_text=True)
    assert "/help/offers.atom" in client.get("/help").get_data(as_text=True)


def test_an_address_nobody_confirmed_is_forgotten_after_a_week(client, runner, db_query):
    from datetime import timedelta

    from diaspora.models import AlertSubscription

    subscribe(client, email="old@example.org")
    subscribe(client, email="new@example.org")

    def age(db):
        row = db.session.scalars(select(AlertSubscription).order_by(AlertSubscription.id)).first()
        row.created_at -= timedelta(days=8)
        db.session.commit()

    db_query(age)
    result = runner.invoke(args=["send-alerts"])
    assert "1 unconfirmed addresses forgotten" in result.output
    assert subscription_count(db_query) == 1


def test_a_stranger_cannot_change_a_confirmed_subscription(mail_on, inbox, client, runner, db_query):
    from diaspora.models import AlertSubscription

    subscribe(client, topics=["events"])
    work(runner)
    confirm(client, mails_to(inbox, "aigul@example.org")[-1])
    inbox.messages.clear()
    stranger = client.application.test_client()
    # the same answer as for anyone, and the owner's filters and language stay as they chose
    assert subscribe(stranger, topics=["offers"], language="en").status_code == 202
    work(runner)
    assert inbox.messages == []
    kept = db_query(lambda db: [(s.topics, s.locale, s.confirmed_at is not None)
                                for s in db.session.scalars(select(AlertSubscription))])
    assert kept == [(["events"], "ru", True)]


def test_repeated_subscribing_sends_one_confirmation_and_is_capped(mail_on, inbox, client, runner, db_query):
    from datetime import timedelta

    from diaspora.models import OutboxMessage

    for _ in range(4):
        assert subscribe(client, email="victim@example.org").status_code == 202
    work(runner)
    assert len(mails_to(inbox, "victim@example.org")) == 1

    def an_hour_ago(db):
        for message in db.session.scalars(select(OutboxMessage)):
            message.created_at -= timedelta(hours=1, minutes=1)
        db.session.commit()

    db_query(an_hour_ago)  # later on, asking again sends the link again
    subscribe(client, email="victim@example.org")
    work(runner)
    assert len(mails_to(inbox, "victim@example.org")) == 2

    # another area is another subscription, but an address collects at most five unconfirmed ones
    for country in ("KG", "KZ", "RU", "TR", "US", "DE", "FR"):
        assert subscribe(client, email="victim@example.org", near=None, country=country).status_code == 202
    work(runner)
    assert subscription_count(db_query) == 5
    assert len(mails_to(inbox, "victim@example.org")) == 6


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="2 per minute")


def test_one_click_unsubscribe_is_not_limited_per_address(limited, client, db_query):
    from diaspora.models import AlertSubscription

    # a mail provider's server posts the one-click unsubscribes of many of its users
    assert subscribe(client, email="one@example.org").status_code == 202
    assert subscribe(client, email="two@example.org").status_code == 202
    assert subscribe(client, email="three@example.org").status_code == 429  # subscribing still is limited
    tokens = db_query(lambda db: list(db.session.scalars(select(AlertSubscription.token))))
    answers = [client.post(f"/alerts/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded").status_code
               for token in [*tokens, "unknown-1", "unknown-2", "unknown-3"]]
    assert answers == [200, 200, 404, 404, 404]
    assert subscription_count(db_query) == 0
