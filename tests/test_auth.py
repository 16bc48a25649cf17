"""Accounts: sign-up, log in/out, password reset by mailed link, CSRF and rate limits."""
import re

import pytest
from sqlalchemy import select

from diaspora.models import OutboxMessage, User
from tests.conftest import DEFAULT_PASSWORD


def signup(client, email="new@example.org", name="Айгүл", next=None):
    return client.post("/auth/signup" + (f"?next={next}" if next else ""), data={"name": name, "email": email})


def outbox(db_query, kind=None):
    messages = db_query(lambda db: db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())
    return [m for m in messages if kind is None or m.kind == kind]


def mailed_path(message, prefix) -> str:
    """The site-relative path of the first link under `prefix` in a message."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S*)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def finish_signup(client, db_query, password="long enough pw"):
    path = mailed_path(outbox(db_query, "signup_confirm")[-1], "/auth/signup/")
    assert client.get(path).status_code == 200
    return client.post(path, data={"password": password, "password2": password})


def test_signup_creates_the_account_once_the_mailed_link_is_used(client, db_query):
    response = signup(client, email="  Aigul@Example.ORG ")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/signup/sent"
    assert db_query(lambda db: db.session.scalar(select(User))) is None  # nothing until the address is proved
    (message,) = outbox(db_query)
    assert message.kind == "signup_confirm" and message.to_address == "aigul@example.org"
    assert "Айгүл" not in message.body_text  # what a stranger typed does not reach somebody else's mailbox
    response = finish_signup(client, db_query)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/account"
    user = db_query(lambda db: db.session.scalar(select(User)))
    assert user.email == "aigul@example.org" and user.name == "Айгүл"
    assert "long enough pw" not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert "Айгүл" in client.get("/auth/account").get_data(as_text=True)
    # the link has done its work: used again, it sends to the login page
    client.post("/auth/logout")
    response = client.get(mailed_path(message, "/auth/signup/"))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_signup_does_not_reveal_which_emails_have_accounts(app, make_user, db_query):
    """Same answer, same page for an address with an account and one without; only the mailbox differs."""
    make_user(email="taken@example.org", name="Бакыт")
    pages = []
    for email in ("TAKEN@example.org", "free@example.org"):
        c = app.test_client()
        response = signup(c, email=email, next="/organizations/new")
        page = c.get(response.headers["Location"])
        pages.append((response.status_code, response.headers["Location"],
                      re.sub(r'name="csrf_token"[^>]*', "", page.get_data(as_text=True)).replace(email, "EMAIL")))
    assert pages[0] == pages[1]
    assert db_query(lambda db: len(db.session.scalars(select(User)).all())) == 1
    existing, new = outbox(db_query)
    assert (existing.kind, existing.to_address) == ("signup_existing", "taken@example.org")
    assert "Бакыт" in existing.body_text and "/auth/reset" in existing.body_text
    assert "/auth/login?next=/organizations/new" in existing.body_text
    assert (new.kind, new.to_address) == ("signup_confirm", "free@example.org")


def test_signup_keeps_next_through_the_mailed_link(client, db_query):
    """An invitation sends a logged-out person to sign up and back: ?next= survives the mail."""
    signup(client, email="invited@example.org", next="/organizations/new")
    response = finish_signup(client, db_query)
    assert response.headers["Location"] == "/organizations/new"
    client.post("/auth/logout")
    signup(client, email="other@example.org", next="https://evil.example/phish")
    assert finish_signup(client, db_query).headers["Location"] == "/auth/account"


def test_signup_links_are_signed_and_expire(client, db_query, monkeypatch):
    from diaspora.auth import services

    response = client.get("/auth/signup/not-a-token")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/signup"
    signup(client, email="late@example.org")
    path = mailed_path(outbox(db_query)[-1], "/auth/signup/")
    monkeypatch.setattr(services, "SIGNUP_MAX_AGE", -1)
    assert client.get(path).headers["Location"] == "/auth/signup"
    assert db_query(lambda db: db.session.scalar(select(User))) is None


def test_signup_rejects_bad_input_and_keeps_it(client, db_query):
    page = signup(client, email="not-an-email", name="Бакыт").get_data(as_text=True)
    assert page.count('class="error"') == 1 and 'value="Бакыт"' in page and 'value="not-an-email"' in page
    signup(client, email="x@example.org")
    path = mailed_path(outbox(db_query)[-1], "/auth/signup/")
    page = client.post(path, data={"password": "short", "password2": "short"}).get_data(as_text=True)
    assert 'class="error"' in page
    page = client.post(path, data={"password": "long enough pw", "password2": "different pw"}).get_data(as_text=True)
    assert 'class="error"' in page
    assert db_query(lambda db: db.session.scalar(select(User))) is None


def test_login_and_logout(client, make_user):
    user = make_user(email="user@example.org")
    page = client.post("/auth/login", data={"email": "user@example.org", "password": "wrong password"})
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)
    response = client.post("/auth/login", data={"email": "USER@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200
    client.post("/auth/logout")
    assert client.get("/auth/account").status_code == 302
    assert user.email == "user@example.org"


def test_login_redirects_only_within_the_site(client, make_user):
    make_user(email="user@example.org")
    data = {"email": "user@example.org", "password": DEFAULT_PASSWORD}
    response = client.post("/auth/login?next=https://evil.example/phish", data=data)
    assert response.headers["Location"] == "/auth/account"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=//evil.example", data=data)
    assert response.headers["Location"] == "/auth/account"
    client.post("/auth/logout")
    assert client.post("/auth/login?next=/map", data=data).headers["Location"] == "/map"


# What urlsplit cannot parse (an unclosed "["), what a browser reads as another site once it drops tabs
# and line breaks, and what cannot go into a Location header: each sends home, never a 500.
ODD_NEXT = ["//[x", "http://[::1", "https://[x/", "/%0d%0aSet-Cookie:%20x=1", "/%09/evil.example",
            "/%0a/evil.example", "/%5cevil.example", "%5c%5cevil.example", "///evil.example", "http:evil.example",
            "javascript:alert(1)"]


@pytest.mark.parametrize("next_url", ODD_NEXT)
def test_odd_next_values_send_home(client, make_user, db_query, next_url):
    make_user(email="user@example.org")
    response = client.get(f"/lang/ru?next={next_url}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    # sign-up keeps going (nothing typed is lost), without the odd value
    response = signup(client, email="new@example.org", next=next_url)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/signup/sent"
    assert finish_signup(client, db_query).headers["Location"] == "/auth/account"
    client.post("/auth/logout")
    response = client.post(f"/auth/login?next={next_url}",
                           data={"email": "user@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/account"


def test_a_nul_in_next_is_refused_plainly(client, make_user):
    """A NUL in any query value is refused before any view (diaspora/errors.py); never a 500."""
    make_user(email="user@example.org")
    assert client.get("/lang/ru?next=/%00").status_code == 400
    response = client.post("/auth/login?next=/%00", data={"email": "user@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400


def reset_link(db_query) -> str:
    message = db_query(lambda db: db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first())
    match = re.search(r"https?://\S+/auth/reset/\S+", message.body_text)
    assert match, message.body_text
    return match.group(0)


def test_password_reset_by_emailed_link(client, make_user, db_query):
    make_user(email="user@example.org", locale="ru")
    response = client.post("/auth/reset", data={"email": "user@example.org"})
    assert response.status_code == 302
    link = reset_link(db_query)
    path = link.split("127.0.0.1:5000", 1)[-1]
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": "a brand new pw", "password2": "a brand new pw"}).status_code == 302
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"email": "user@example.org", "password": "a brand new pw"})
    assert response.status_code == 302
    client.post("/auth/logout")
    # the link works once: the password it was made for has changed
    response = client.post(path, data={"password": "another pw 123", "password2": "another pw 123"})
    assert response.status_code == 302 and "/auth/reset" in response.headers["Location"]


def test_reset_does_not_reveal_which_emails_have_accounts(client, make_user, db_query):
    make_user(email="user@example.org")
    known = client.post("/auth/reset", data={"email": "user@example.org"}, follow_redirects=True)
    unknown = client.post("/auth/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    strip = lambda r: re.sub(r'name="csrf_token"[^>]*', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(known) == strip(unknown)
    recipients = db_query(lambda db: [m.to_address for m in db.session.scalars(select(OutboxMessage))])
    assert recipients == ["user@example.org"]


def test_forged_or_expired_reset_tokens_fail(client):
    response = client.get("/auth/reset/not-a-token")
    assert response.status_code == 302 and "/auth/reset" in response.headers["Location"]


def test_reset_mail_is_in_the_account_language(client, make_user, db_query):
    make_user(email="ru@example.org", locale="ru")
    make_user(email="ky@example.org", locale="ky")
    client.post("/auth/reset", data={"email": "ru@example.org"})
    client.post("/auth/reset", data={"email": "ky@example.org"})
    subjects = db_query(lambda db: [
        m.subject for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))])
    assert subjects[0] != subjects[1]
    assert re.search("[а-яА-Я]", subjects[0]) and re.search("[а-яА-Я]", subjects[1])


@pytest.fixture
def csrf_on(app_config):
    app_config.update(WTF_CSRF_ENABLED=True)


def test_forms_need_the_csrf_token(csrf_on, client, make_user):
    make_user(email="user@example.org")
    data = {"email": "user@example.org", "password": DEFAULT_PASSWORD}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login", data={**data, "csrf_token": token}).status_code == 302
    # logging out is a POST with the token too: a link on another site cannot log anybody out
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/account").status_code == 200


def test_every_post_form_carries_a_csrf_token(csrf_on, client, make_user, make_org, login):
    """Render the pages with forms and check each POST form has the token field."""
    admin = make_user(is_admin=True)
    org_id = make_org(owner=admin)
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": admin.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    for url in ["/auth/account", "/organizations/new", f"/organizations/{org_id}", f"/organizations/{org_id}/edit",
                f"/organizations/{org_id}/admins", f"/organizations/{org_id}/report", "/moderation/",
                "/moderation/reports", "/moderation/categories", "/admin/outbox/"]:
        html = client.get(url).get_data(as_text=True)
        forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
        for form in forms:
            assert 'name="csrf_token"' in form, (url, form[:200])


@pytest.fixture
def limits_on(app_config):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="5 per minute", PUBLIC_POST_RATE_LIMIT="3 per minute")


def test_login_is_rate_limited(limits_on, client, make_user):
    make_user(email="user@example.org")
    codes = [client.post("/auth/login", data={"email": "user@example.org", "password": f"guess {i}"}).status_code
             for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    page = client.post("/auth/login", data={"email": "user@example.org", "password": DEFAULT_PASSWORD},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 429
    html = page.get_data(as_text=True)
    # the form comes back with the address typed, and says the way in that stays open: a reset by mail
    assert 'value="user@example.org"' in html and 'href="/auth/reset"' in html and "Forgot your password" in html
    assert client.get("/auth/login").status_code == 200  # reading the page is not limited
    assert client.post("/auth/reset", data={"email": "user@example.org"}).status_code == 302


def test_successful_logins_do_not_count(limits_on, client, make_user):
    """Only failures count: the owner logging in (and out) again and again is never locked out."""
    make_user(email="user@example.org")
    for _ in range(8):
        assert client.post("/auth/login", data={"email": "user@example.org",
                                                "password": DEFAULT_PASSWORD}).status_code == 302
        client.post("/auth/logout")


@pytest.fixture
def behind_a_proxy(app_config):
    app_config.update(RATELIMIT_ENABLED=True, PROXY_COUNT=1, LOGIN_RATE_LIMIT="5 per minute",
                      LOGIN_ACCOUNT_RATE_LIMIT="5 per minute", ACCOUNT_MAIL_RATE_LIMIT="2 per hour")


def test_guesses_from_many_addresses_are_limited_per_account(behind_a_proxy, client, make_user):
    make_user(email="user@example.org")
    make_user(email="other@example.org")
    codes = [client.post("/auth/login", data={"email": " USER@example.org", "password": f"guess {i}"},
                         headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(8)]
    assert codes == [200] * 5 + [429] * 3
    # the limit is the account's: another account, from the same addresses, is not held back
    response = client.post("/auth/login", data={"email": "other@example.org", "password": DEFAULT_PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.1"})
    assert response.status_code == 302


def test_a_stranger_cannot_lock_the_owner_out(behind_a_proxy, app, client, make_user):
    """OWASP's device cookie: the owner's browser, known from an earlier login, is not held by the account's
    limit that a stranger's failures from many addresses exhausted; any other browser is."""
    from diaspora.auth.devices import COOKIE

    make_user(email="user@example.org")
    make_user(email="other@example.org")
    owner = app.test_client()
    data = {"email": "user@example.org", "password": DEFAULT_PASSWORD}
    response = owner.post("/auth/login", data=data, headers={"X-Forwarded-For": "192.0.2.1"})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "user@example.org" not in cookie
    owner.post("/auth/logout")
    another_account = app.test_client()  # a browser that knows another account only
    another_account.post("/auth/login", data={"email": "other@example.org", "password": DEFAULT_PASSWORD},
                         headers={"X-Forwarded-For": "192.0.2.2"})
    another_account.post("/auth/logout")

    attacker = app.test_client()
    codes = [attacker.post("/auth/login", data={"email": "user@example.org", "password": f"guess {i}"},
                           headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    # the owner's browser, from a fresh address, still gets in (a typo first, as people do)
    assert owner.post("/auth/login", data={**data, "password": "typo"},
                      headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    assert owner.post("/auth/login", data={**data, "email": " USER@example.org"},
                      headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 302
    # browsers without the account's cookie are limited: a fresh one, the other account's, a forged cookie
    forged = app.test_client()
    forged.set_cookie(COOKIE, "not-signed")
    for browser in (app.test_client(), another_account, forged):
        assert browser.post("/auth/login", data=data, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 429
    # and the owner's browser still meets its address's limit
    owner.post("/auth/logout")
    codes = [owner.post("/auth/login", data={**data, "password": f"typo {i}"},
                        headers={"X-Forwarded-For": "203.0.113.9"}).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]


@pytest.fixture
def secure_cookies(app_config):
    app_config.update(SESSION_COOKIE_SECURE=True)  # what production has (over HTTPS)


def test_the_device_cookie_is_secure_in_production(secure_cookies, client, make_user):
    from diaspora.auth.devices import COOKIE

    make_user(email="user@example.org")
    response = client.post("/auth/login", data={"email": "user@example.org", "password": DEFAULT_PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_mail_to_one_address_is_limited(behind_a_proxy, client, make_user, db_query):
    """Reset and sign-up links to one address, from any client address: nobody floods a mailbox."""
    make_user(email="user@example.org")
    codes = [client.post(path, data={"email": "user@example.org", "name": ""},
                         headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i, path in enumerate(["/auth/reset", "/auth/signup", "/auth/reset", "/auth/signup"])]
    assert codes == [302, 302, 429, 429]
    page = client.post("/auth/reset", data={"email": "user@example.org"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert page.status_code == 429 and 'value="user@example.org"' in page.get_data(as_text=True)
    assert len(outbox(db_query)) == 2
    assert client.post("/auth/reset", data={"email": "another@example.org"},
                       headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 302


def test_public_posts_are_rate_limited(limits_on, client, make_org):
    org_id = make_org()
    codes = [client.post(f"/organizations/{org_id}/report", data={"reason": "wrong"}).status_code for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    codes = [client.post("/auth/reset", data={"email": f"a{i}@example.org"}).status_code for i in range(4)]
    assert codes[-1] == 429


def test_create_admin_command(runner, db_query):
    result = runner.invoke(args=["create-admin", "boss@example.org", "--password", "very secret pw"])
    assert result.exit_code == 0, result.output
    user = db_query(lambda db: db.session.scalar(select(User)))
    assert user.is_admin and user.check_password("very secret pw")
    result = runner.invoke(args=["create-admin", "second@example.org"], input="pw for admin 2\npw for admin 2\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["create-admin", "third@example.org", "--password", "short"]).exit_code != 0
    # an existing account is promoted, not duplicated
    runner.invoke(args=["create-admin", "BOSS@example.org", "--password", "very secret pw"])
    assert db_query(lambda db: len(db.session.scalars(select(User)).all())) == 2


def test_language_switch_is_remembered_by_the_account_for_mail(client, make_user, login, db_query):
    user = make_user(email="user@example.org")
    login(user)
    client.get("/lang/en?next=/map")
    assert db_query(lambda db: db.session.get(User, user.id).locale) == "en"


def test_reset_links_use_the_site_address_not_the_host_header(app, make_user, db_query):
    """A forged Host header must not put the attacker's domain into the victim's reset mail."""
    app.config["SITE_URL"] = "https://diaspora.example"
    make_user(email="victim@example.org")
    evil = app.test_client()
    evil.post("/auth/reset", data={"email": "victim@example.org"}, base_url="http://evil.example")
    message = db_query(lambda db: db.session.scalar(select(OutboxMessage)))
    assert "https://diaspora.example/auth/reset/" in message.body_text
    assert "evil.example" not in message.body_text
    api = evil.get("/api/v1/organizations", base_url="http://evil.example").get_json()
    assert api["features"] == []  # (and any url in it would start with SITE_URL, see test_api)


def test_changing_the_password_ends_other_sessions(app, make_user, db_query):
    make_user(email="user@example.org")
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        assert c.post("/auth/login", data={"email": "user@example.org", "password": DEFAULT_PASSWORD,
                                           "remember": "y"}).status_code == 302
    laptop.post("/auth/reset", data={"email": "user@example.org"})
    path = reset_link(db_query).split("127.0.0.1:5000", 1)[-1]
    laptop.post(path, data={"password": "new password 1", "password2": "new password 1"})
    assert laptop.get("/auth/account").status_code == 200  # the one that changed it stays in
    response = phone.get("/auth/account")  # the other one (a lost phone?) is logged out
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_duplicate_signup_race_gives_the_form_message(app, monkeypatch):
    """When the existence check ran before the other insert landed, the unique index decides: the loser
    gets the form's message, and the rest of its request's work is kept."""
    import diaspora.auth.services as auth
    from diaspora.errors import ServiceError
    from diaspora.extensions import db

    with app.app_context():
        auth.create_user("same@example.org", "password 123")
        db.session.commit()
        db.session.add(User(email="other@example.org", password_hash="x"))
        monkeypatch.setattr(auth, "find_user_by_email", lambda email: None)
        with pytest.raises(ServiceError):
            auth.create_user("same@example.org", "password 123")
        db.session.commit()
        assert db.session.scalar(select(User).where(User.email == "other@example.org")) is not None


def test_remember_me_cookie_is_protected_like_the_session_cookie(app, database, make_user, monkeypatch):
    """In production both cookies that log a person in are Secure, HttpOnly and SameSite=Lax."""
    from diaspora import create_app
    from tests.conftest import DATA_KEY, GAZETTEER_PATH

    make_user(email="user@example.org")
    for name, value in {"DIASPORA_ENV": "production", "SECRET_KEY": "x" * 40, "SITE_URL": "https://diaspora.test",
                        "RATELIMIT_STORAGE_URI": "memory://"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = create_app({"SQLALCHEMY_DATABASE_URI": database["url"], "DATA_KEY": DATA_KEY,
                             "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "GAZETTEER_PATH": GAZETTEER_PATH})
    response = production.test_client().post("/auth/login", data={
        "email": "user@example.org", "password": DEFAULT_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for cookie in (cookies["session"], cookies["remember_token"]):
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, cookie
    with production.app_context():
        from diaspora.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_passwords_are_hashed_with_scrypt_outside_tests(tmp_path, monkeypatch):
    """The suite hashes with one PBKDF2 round (it makes hundreds of accounts); a real site never does."""
    from diaspora.config import load_config

    monkeypatch.setenv("DIASPORA_ENV", "development")
    assert load_config(str(tmp_path), testing=False)["PASSWORD_HASH_METHOD"] == "scrypt"
    assert load_config(str(tmp_path), testing=True)["PASSWORD_HASH_METHOD"].startswith("pbkdf2:")


def test_an_account_hashed_another_way_still_logs_in(app, client, make_user, db_query):
    """Hashes name their method: changing PASSWORD_HASH_METHOD never locks anybody out."""
    from werkzeug.security import generate_password_hash

    user = make_user(email="old@example.org")

    def rehash(db):
        db.session.get(User, user.id).password_hash = generate_password_hash(DEFAULT_PASSWORD, method="scrypt")
        db.session.commit()

    db_query(rehash)
    response = client.post("/auth/login", data={"email": "old@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
