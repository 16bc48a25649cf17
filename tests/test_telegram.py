"""News in Telegram, against a fake Bot API server the test starts (TELEGRAM_API_URL points at it): a chat
linked with the deep link's one-time code, a request's news and the association's messages arriving there,
the person's replies becoming messages on the request, /stop and the page's button, the webhook's secret,
the Bot API down (nothing lost, sent once it is back), the chat's id encrypted and gone with the request;
and a registration's chat told of its promotion. The worker sends (`worker --once`)."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from tests.assistance_helpers import CITIES, REQUEST, request_id, send_request  # noqa: F401
from tests.conftest import REGISTRANT

TOKEN = "123456:TEST-token"
BOT = "diaspora_test_bot"
SECRET = "webhook-secret_42"
CHAT = 700123456
SITE = "https://diaspora.example"


class FakeBotApi:
    """Telegram's Bot API as far as we use it: records every call; `status` set to 502 (down) or 403
    (blocked by the user) makes it answer so."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                token, _, method = self.path.lstrip("/").partition("/")
                if token != f"bot{TOKEN}":
                    return self._answer(401, {"ok": False, "description": "Unauthorized"})
                if fake.status != 200:
                    return self._answer(fake.status, {"ok": False, "error_code": fake.status,
                                                      "description": "Forbidden: bot was blocked by the user"
                                                      if fake.status == 403 else "Bad Gateway"})
                fake.calls.append((method, payload))
                return self._answer(200, {"ok": True, "result": True if method == "setWebhook" else {}})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def sent(self) -> list[dict]:
        return [payload for method, payload in self.calls if method == "sendMessage"]

    def texts(self) -> list[str]:
        return [payload["text"] for payload in self.sent()]


@pytest.fixture
def bot_api():
    fake = FakeBotApi()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def telegram_on(app_config, bot_api):
    app_config.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BOT_USERNAME=BOT, TELEGRAM_WEBHOOK_SECRET=SECRET,
                      TELEGRAM_API_URL=bot_api.url, TELEGRAM_TIMEOUT=3, SITE_URL=SITE)


def update(client, text_=None, chat=CHAT, secret=SECRET, language="ky", **message):
    """What Telegram posts to the webhook for a message from a person."""
    body = {"update_id": 1, "message": {"message_id": 5, "date": 0, "chat": {"id": chat, "type": "private"},
                                        "from": {"id": chat, "is_bot": False, "language_code": language},
                                        **({"text": text_} if text_ is not None else {}), **message}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/telegram/webhook", json=body, headers=headers)


def work(runner):
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def deep_link_code(html: str) -> str:
    match = re.search(rf'href="https://t\.me/{BOT}\?start=([A-Za-z0-9_-]{{1,64}})"', html)
    assert match, "no deep link on the page"
    return match.group(1)


def helper(make_org, make_user):
    admin = make_user(name="Admin")
    lat, lng = CITIES["Екатеринбург"]
    org_id = make_org(name="Мекен Екатеринбург", city="Екатеринбург", lat=lat, lng=lng, categories=("legal-aid",),
                      owner=admin)
    return org_id, admin


def outbox_telegram(db_query):
    from diaspora.models import OutboxMessage

    return db_query(lambda db: [(m.status, m.to_address, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "telegram").order_by(OutboxMessage.id))])


def test_a_request_in_telegram_news_and_messages_both_ways(telegram_on, bot_api, client, runner, make_org, make_user,
                                                           login, send_request, db_query):
    org_id, admin = helper(make_org, make_user)
    reference, token = send_request(language="ky")
    rid = request_id(db_query, reference)

    # the private page offers the deep link; the code is Telegram's alphabet and carries nothing of the person
    page = client.get(f"/h/{token}").get_data(as_text=True)
    code = deep_link_code(page)
    assert reference not in code and token not in code

    # the webhook wants the secret
    assert update(client, f"/start {code}", secret=None).status_code == 403
    assert update(client, f"/start {code}", secret="wrong").status_code == 403

    assert update(client, f"/start {code}").status_code == 200
    assert bot_api.sent() == []  # the request only queued the answer
    work(runner)
    (linked,) = bot_api.sent()
    assert linked["chat_id"] == str(CHAT) and "parse_mode" not in linked
    assert reference in linked["text"] and f"{SITE}/h/{token}" in linked["text"]
    assert "кайрылууңуз" in linked["text"]  # in the request's language, Kyrgyz

    # the chat's id is encrypted at rest (the raw column), and nothing of the text stays in the outbox once sent
    raw = db_query(lambda db: db.session.execute(text("SELECT chat_id, chat_hash FROM telegram_links")).all())
    assert len(raw) == 1 and str(CHAT) not in raw[0][0] and str(CHAT) not in raw[0][1]
    assert outbox_telegram(db_query) == [("sent", "", "…")]

    # the code works once: another chat gets a polite answer, and is linked to nothing
    again = update(client, f"/start {code}", chat=CHAT + 1).get_json()
    assert again["method"] == "sendMessage" and again["chat_id"] == CHAT + 1 and again["text"]
    assert 'id="telegram-unlink"' in client.get(f"/h/{token}").get_data(as_text=True)

    # the association accepts and writes: both arrive in the chat
    login(admin)
    client.post(f"/help/requests/{rid}/accept", data={"organization_id": org_id})
    client.post(f"/help/requests/{rid}/message", data={"body": "Келиңиз, дүйшөмбү саат 10до."})
    work(runner)
    accepted, message = bot_api.texts()[1:]
    assert "Мекен Екатеринбург" in accepted and reference in accepted
    assert "Келиңиз, дүйшөмбү саат 10до." in message and f"{SITE}/h/{token}" in message

    # the person answers in the chat: a message on the request, from them, which the association reads
    assert update(client, "Рахмат, барам!").status_code == 200
    assert "Рахмат, барам!" in client.get(f"/help/requests/{rid}").get_data(as_text=True)
    assert "Рахмат, барам!" in client.get(f"/h/{token}").get_data(as_text=True)

    # the Bot API is down: nothing is lost; the next round after it is back delivers
    bot_api.status = 502
    client.post(f"/help/requests/{rid}/message", data={"body": "Документтерди ала келиңиз."})
    work(runner)
    work(runner)
    assert len(bot_api.sent()) == 3
    assert [status for status, _, _ in outbox_telegram(db_query)][-1] == "pending"
    bot_api.status = 200
    work(runner)
    assert "Документтерди ала келиңиз." in bot_api.texts()[-1]

    # /stop: the chat is unlinked (its id forgotten) and hears nothing more
    stopped = update(client, "/stop").get_json()
    assert stopped["chat_id"] == CHAT and stopped["text"]
    client.post(f"/help/requests/{rid}/resolve")
    work(runner)
    assert len(bot_api.sent()) == 4
    assert db_query(lambda db: db.session.execute(text("SELECT chat_id FROM telegram_links")).scalar()) is None
    assert 'id="telegram-unlink"' not in client.get(f"/h/{token}").get_data(as_text=True)

    # a message from a chat linked to nothing: told how to link, nothing added
    assert update(client, "Салам").get_json()["text"]

    # linked again, then the person deletes the request: the link goes with it
    client.post("/auth/logout")
    update(client, f"/start {deep_link_code(client.get(f'/h/{token}').get_data(as_text=True))}")
    client.post(f"/h/{token}/delete")
    assert db_query(lambda db: db.session.execute(text("SELECT count(*) FROM telegram_links")).scalar()) == 0
    work(runner)
    assert len(bot_api.sent()) == 4  # the "linked" message queued before the deletion is void


def test_unlink_button_expired_code_and_a_blocked_bot(telegram_on, bot_api, client, runner, send_request, db_query):
    from datetime import timedelta

    from diaspora.database import utcnow
    from diaspora.models import TelegramLinkCode

    _reference, token = send_request()
    code = deep_link_code(client.get(f"/h/{token}").get_data(as_text=True))
    db_query(lambda db: (db.session.execute(TelegramLinkCode.__table__.update().values(
        expires_at=utcnow() - timedelta(minutes=1))), db.session.commit()))
    expired = update(client, f"/start {code}").get_json()
    assert expired["text"] and db_query(
        lambda db: db.session.execute(text("SELECT count(*) FROM telegram_links")).scalar()) == 0
    assert update(client, "/start").get_json()["text"]  # no code: how to get one
    assert update(client, "/start " + "x" * 65).get_json()["text"]

    # linked, then unlinked with the page's button
    update(client, f"/start {deep_link_code(client.get(f'/h/{token}').get_data(as_text=True))}")
    page = client.get(f"/h/{token}").get_data(as_text=True)
    assert 'id="telegram-unlink"' in page
    response = client.post("/telegram/unlink", data={"kind": "request", "token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/h/{token}")
    assert "t.me/" in client.get(f"/h/{token}").get_data(as_text=True)
    assert client.post("/telegram/unlink", data={"kind": "request", "token": "nope"}).status_code == 404
    work(runner)
    assert bot_api.sent() == []  # the "linked" message: the link was stopped before it went

    # linked again, and the person blocked the bot: the link stops, the message is void
    update(client, f"/start {deep_link_code(client.get(f'/h/{token}').get_data(as_text=True))}")
    bot_api.status = 403
    work(runner)
    assert outbox_telegram(db_query)[-1][0] == "void"
    assert 'id="telegram-unlink"' not in client.get(f"/h/{token}").get_data(as_text=True)


def test_a_registration_hears_of_its_promotion(telegram_on, bot_api, client, runner, make_event, db_query):
    slug = make_event(title="Мекендештер 2026", title_ru="Форум 2026", capacity=1)
    first = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "email": "a@example.org"})
    second = client.post(f"/api/v1/events/{slug}/registrations",
                         json={**REGISTRANT, "email": "b@example.org", "language": "ru"}).get_json()
    token = second["manage_url"].rsplit("/", 1)[1]
    page = client.get(f"/r/{token}").get_data(as_text=True)
    update(client, f"/start {deep_link_code(page)}", language="ru")
    # replies to a registration's chat are not read: it says so
    update(client, "Можно прийти с другом?", language="ru")
    work(runner)
    linked, not_read = bot_api.texts()
    assert "Форум 2026" in linked and f"{SITE}/r/{token}" in linked and "регистрации" in linked  # in Russian
    assert f"{SITE}/r/{token}" in not_read

    client.post(f"/r/{first.get_json()['manage_url'].rsplit('/', 1)[1]}/cancel", data={"confirm": "yes"})
    work(runner)
    promoted = bot_api.texts()[-1]
    assert "Форум 2026" in promoted and f"{SITE}/r/{token}/ticket.pdf" in promoted

    # cancelled: the chat is no longer linked, so whoever registers this address next never reaches it
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})
    assert db_query(lambda db: db.session.scalar(text("SELECT count(*) FROM telegram_links"))) == 0
    again = client.post(f"/api/v1/events/{slug}/registrations",
                        json={**REGISTRANT, "email": "b@example.org", "language": "ru"}).get_json()
    assert 'id="telegram-unlink"' not in client.get(urlsplit(again["manage_url"]).path).get_data(as_text=True)


def test_off_without_a_token_and_the_webhook_command(app_config, bot_api, client, runner, send_request):
    _reference, token = send_request()
    assert "t.me/" not in client.get(f"/h/{token}").get_data(as_text=True)
    assert update(client, "/start abc").status_code == 403  # no secret set: nothing is accepted
    result = runner.invoke(args=["telegram-webhook"])
    assert result.exit_code != 0 and "TELEGRAM_BOT_TOKEN" in result.output


def test_the_webhook_command_registers_with_telegram(telegram_on, bot_api, runner):
    result = runner.invoke(args=["telegram-webhook"])
    assert result.exit_code == 0, result.output
    assert bot_api.calls == [("setWebhook", {"url": f"{SITE}/telegram/webhook", "secret_token": SECRET,
                                             "allowed_updates": ["message"]})]
    bot_api.status = 502
    result = runner.invoke(args=["telegram-webhook"])
    assert result.exit_code != 0 and "502" in result.output and TOKEN not in result.output


@pytest.fixture
def two_a_minute(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PUBLIC_POST_RATE_LIMIT="2 per minute")


def test_a_chat_that_floods_is_told_to_wait(telegram_on, two_a_minute, bot_api, client, send_request, db_query):
    """Each reply mails the association: the web form's limit holds for a chat too."""
    from diaspora.models import HelpMessage

    _reference, token = send_request()
    update(client, f"/start {deep_link_code(client.get(f'/h/{token}').get_data(as_text=True))}")
    answers = [update(client, f"Салам {n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]  # Telegram is always answered
    assert not any((a.get_json(silent=True) or {}).get("text") for a in answers[:2])  # passed on, no answer
    told = answers[2].get_json()
    assert told["method"] == "sendMessage" and told["text"]  # the third: wait a little (in the request's language)
    bodies = db_query(lambda db: [m.body for m in db.session.scalars(
        select(HelpMessage).where(HelpMessage.from_requester.is_(True)))])
    assert bodies == ["Салам 0", "Салам 1"]


def test_a_message_is_cut_as_telegram_counts_it():
    """Telegram counts UTF-16 units (an emoji is two): a text of 4,000 emoji would be refused on every try."""
    from diaspora.telegram.bot import fit

    assert fit("Салам 👋") == "Салам 👋"
    cut = fit("👋" * 4000)
    assert len(cut.encode("utf-16-le")) // 2 == 4096 and cut == "👋" * 2048
    assert fit("а" + "👋" * 4000) == "а" + "👋" * 2047  # a pair cut in half is dropped, not sent broken
