"""Alerts in Telegram too, against the fake Bot API server and a real SMTP server: a confirmed subscription's
page offers the deep link, /start links the chat, the digest goes by mail and to the chat (once), /stop
leaves the mail, unsubscribing removes the links; without the bot, no panel and the mail only."""
import re

import pytest
from sqlalchemy import func, select, text

from tests.assistance_helpers import CITIES
from tests.test_alerts import confirm, link, mails_to, subscribe, text_of
from tests.test_telegram import (  # noqa: F401 (bot_api: the fixture)
    BOT,
    CHAT,
    SECRET,
    SITE,
    TOKEN,
    bot_api,
    deep_link_code,
    outbox_telegram,
    update,
    work,
)

EKB = CITIES["Екатеринбург"]
ADDRESS = "aigul@example.org"


@pytest.fixture
def mail_on(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3,
                      SITE_URL=SITE, WTF_CSRF_ENABLED=True)


@pytest.fixture
def telegram_on(mail_on, app_config, bot_api):
    app_config.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BOT_USERNAME=BOT, TELEGRAM_WEBHOOK_SECRET=SECRET,
                      TELEGRAM_API_URL=bot_api.url, TELEGRAM_TIMEOUT=3)


def confirmed(client, runner, smtp_server, **fields) -> str:
    """Subscribe and confirm by the mail's link; the subscription's page (its path)."""
    assert subscribe(client, email=ADDRESS, **fields).status_code == 202
    work(runner)
    message = mails_to(smtp_server, ADDRESS)[-1]
    confirm(client, message)
    smtp_server.messages.clear()
    return link(message, "confirm")


def digest(runner) -> str:
    result = runner.invoke(args=["send-alerts"])
    assert result.exit_code == 0, result.output
    work(runner)
    return result.output


def a_day_later(db_query):
    from datetime import timedelta

    from diaspora.models import AlertSubscription

    def earlier(db):
        for row in db.session.scalars(select(AlertSubscription)):
            row.last_digest_at = row.last_digest_at and row.last_digest_at - timedelta(days=1, minutes=1)
        db.session.commit()

    db_query(earlier)


def count(db_query, table: str) -> int:
    return db_query(lambda db: db.session.scalar(text(f"SELECT count(*) FROM {table}")))


def test_alerts_in_a_telegram_chat_too(telegram_on, bot_api, smtp_server, client, runner, make_org, db_query):
    page_path = confirmed(client, runner, smtp_server)

    # confirming leads back to the subscription's page: confirmed, what it covers, Telegram, unsubscribing
    response = client.get(page_path)
    # kept by nobody, named to no other site (Talisman's same-origin overrides the view's no-referrer: Flask-WTF
    # wants a Referer on the page's own https form posts)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    page = response.get_data(as_text=True)
    assert "Жазылууңуз ырасталды." in page  # the site's language, Kyrgyz
    assert "Екатеринбург" in page and "/alerts/unsubscribe/" in page
    code = deep_link_code(page)
    assert page_path.rsplit("/", 1)[1] not in code

    update(client, f"/start {code}", language="ru")
    work(runner)
    (linked,) = bot_api.texts()
    assert "Екатеринбург" in linked and "/stop" in linked and f"{SITE}{page_path}" in linked
    assert 'id="telegram-unlink"' in client.get(page_path).get_data(as_text=True)

    # something new nearby: one mail and one Telegram message, both naming it
    make_org(name="Урал <кыргыздары>", city="Екатеринбург", lat=EKB[0], lng=EKB[1])
    assert "1 digests" in digest(runner)
    (mail,) = smtp_server.messages
    body = text_of(mail)
    assert "Урал <кыргыздары>" in body and f"{SITE}{page_path}" in body
    message = bot_api.sent()[-1]
    assert message["chat_id"] == str(CHAT) and "parse_mode" not in message
    assert "Урал <кыргыздары> (Екатеринбург) — https://diaspora.example/" in message["text"]
    assert "Екатеринбург" in message["text"].splitlines()[0]  # the heading names the area
    assert "/stop" in message["text"] and "/alerts/unsubscribe/" in message["text"]
    assert len(bot_api.sent()) == 2

    # nothing of the private links stays in the outbox once sent
    from diaspora.models import OutboxMessage

    kept = db_query(lambda db: [m.body_text for m in db.session.scalars(select(OutboxMessage))])
    token = page_path.rsplit("/", 1)[1]
    assert kept and not any(token in (body or "") for body in kept)
    assert [body for _status, _to, body in outbox_telegram(db_query)] == ["…", "…"]

    # a second run sends nothing
    assert "0 digests" in digest(runner)
    assert len(smtp_server.messages) == 1 and len(bot_api.sent()) == 2

    # a chat linked only to alerts: what the person writes is not read, and they are told so
    update(client, "Салам!", language="ru")
    work(runner)
    assert len(bot_api.sent()) == 3 and f"{SITE}{page_path}" in bot_api.texts()[-1]

    # /stop: the next digest comes by mail only
    assert update(client, "/stop").get_json()["text"]
    make_org(name="Екатеринбург жаштары", city="Екатеринбург", lat=EKB[0], lng=EKB[1])
    a_day_later(db_query)
    assert "1 digests" in digest(runner)
    assert "Екатеринбург жаштары" in text_of(smtp_server.messages[-1])
    assert len(bot_api.sent()) == 3
    assert 'id="telegram-unlink"' not in client.get(page_path).get_data(as_text=True)

    # linked again, then unsubscribed: the subscription's links and codes go with it
    update(client, f"/start {deep_link_code(client.get(page_path).get_data(as_text=True))}")
    client.get(page_path)  # a fresh code, never used
    assert count(db_query, "telegram_links") == 2 and count(db_query, "telegram_link_codes") >= 1
    unsubscribe = page_path.replace("/confirm/", "/unsubscribe/")
    assert client.post(unsubscribe, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200
    assert count(db_query, "telegram_links") == 0 and count(db_query, "telegram_link_codes") == 0
    assert client.get(page_path).status_code == 404
    work(runner)
    assert len(bot_api.sent()) == 3  # the second "linked" message went void with the link


def test_the_page_button_unlinks_and_a_long_digest_is_cut_between_lines(telegram_on, bot_api, smtp_server, client,
                                                                        runner, make_org, db_query):
    page_path = confirmed(client, runner, smtp_server, near=None, country="KZ", topics=["organizations"],
                          language="ky")
    update(client, f"/start {deep_link_code(client.get(page_path).get_data(as_text=True))}")
    work(runner)
    assert "Казакстан" in bot_api.texts()[-1]  # the country in the subscriber's language

    for n in range(40):
        make_org(name=f"Бирикме {n} " + "ы" * 150, country="KZ", city="Алматы", lat=43.24, lng=76.95)
    digest(runner)
    long = bot_api.texts()[-1]
    assert len(long.encode("utf-16-le")) // 2 <= 4096
    items = [line for line in long.splitlines() if line.startswith("Бирикме")]
    assert 5 < len(items) < 40 and all(line.endswith(tuple("0123456789")) for line in items)  # whole lines
    assert "/alerts/unsubscribe/" in long.splitlines()[-1]
    assert len(text_of(smtp_server.messages[-1]).split("Бирикме")) == 41  # the mail has all of them

    token = page_path.rsplit("/", 1)[1]
    page = client.get(page_path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/telegram/unlink", data={"kind": "alert", "token": token, "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith(page_path)
    assert 't.me/' in client.get(page_path).get_data(as_text=True)
    assert client.post("/telegram/unlink", data={"kind": "alert", "token": "nope", "csrf_token": csrf}
                       ).status_code == 404


def test_without_the_bot_no_panel_and_the_digest_by_mail_only(mail_on, bot_api, smtp_server, client, runner,
                                                             make_org, db_query):
    page_path = confirmed(client, runner, smtp_server)
    page = client.get(page_path).get_data(as_text=True)
    assert "t.me/" not in page and 'id="telegram"' not in page and "/alerts/unsubscribe/" in page
    make_org(name="Урал кыргыздары", city="Екатеринбург", lat=EKB[0], lng=EKB[1])
    assert "1 digests" in digest(runner)
    assert len(smtp_server.messages) == 1 and "Telegram" not in text_of(smtp_server.messages[0])
    assert bot_api.calls == [] and outbox_telegram(db_query) == []
    from diaspora.models import TelegramLinkCode

    assert db_query(lambda db: db.session.scalar(select(func.count()).select_from(TelegramLinkCode))) == 0


def test_an_unconfirmed_subscription_offers_no_telegram(telegram_on, smtp_server, client, runner):
    assert subscribe(client, email=ADDRESS).status_code == 202
    work(runner)
    path = link(mails_to(smtp_server, ADDRESS)[-1], "confirm")
    page = client.get(path).get_data(as_text=True)
    assert "t.me/" not in page and "/alerts/unsubscribe/" not in page
