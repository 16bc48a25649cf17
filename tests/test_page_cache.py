"""Whole shared pages kept and answered before Flask runs (diaspora/page_cache.py): only for anonymous
visitors, per language and encoding, and never once the data changed."""
import brotli
import pytest
from flask import template_rendered

from tests.conftest import build_config

KY = {"Accept-Language": "ky", "Accept-Encoding": "br, gzip"}
TEXT = {"Accept-Language": "ky"}  # uncompressed, to read


@pytest.fixture
def renders(app):
    """The templates rendered so far: a page from the cache renders none."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def test_the_second_anonymous_visit_is_answered_from_the_cache(client, make_org, renders):
    make_org()
    first = client.get("/", headers=KY)
    assert first.status_code == 200 and "X-Cache" not in first.headers and renders
    renders.clear()
    second = client.get("/", headers=KY)
    assert second.headers["X-Cache"] == "hit" and not renders
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    for name in ("Content-Type", "Content-Encoding", "Cache-Control", "Vary", "X-Frame-Options"):
        assert second.headers[name] == first.headers[name], name
    assert second.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0].strip() == "'self'"
    head = client.head("/", headers=KY)
    assert head.headers["X-Cache"] == "hit" and head.data == b""


def test_conditional_requests_are_answered_with_304(client):
    etag = client.get("/", headers=KY).headers["ETag"]
    response = client.get("/", headers={**KY, "If-None-Match": etag})
    assert response.status_code == 304 and response.headers["X-Cache"] == "hit" and response.data == b""
    assert response.headers["ETag"] == etag and "Content-Length" not in response.headers
    other = client.get("/", headers={**KY, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data


def test_each_encoding_gets_its_own_body(client):
    bodies = {}
    for _ in range(2):  # filled, then from the cache
        for accept in ("br, gzip", "gzip", ""):
            response = client.get("/", headers={"Accept-Language": "ky", "Accept-Encoding": accept})
            bodies[accept] = response
    assert bodies["br, gzip"].headers["X-Cache"] == "hit"
    assert bodies["br, gzip"].headers["Content-Encoding"] == "br"
    assert bodies["gzip"].headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in bodies[""].headers
    plain = bodies[""].data
    import gzip

    assert brotli.decompress(bodies["br, gzip"].data) == plain == gzip.decompress(bodies["gzip"].data)


def test_languages_never_mix(client):
    pages = {}
    for _ in range(2):
        for language in ("ky", "ru", "en"):
            pages[language] = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert 'lang="ky"' in pages["ky"] and 'lang="ru"' in pages["ru"] and 'lang="en"' in pages["en"]
    # the language switch (a cookie) wins over the browser's languages, in the cache too
    client.get("/lang/ru")
    for _ in range(2):
        response = client.get("/", headers={"Accept-Language": "ky"})
        assert 'lang="ru"' in response.get_data(as_text=True)
    assert response.headers["X-Cache"] == "hit"


def test_a_logged_in_user_never_gets_nor_fills_a_cached_page(client, app, make_user, login, renders):
    client.get("/", headers=TEXT)
    assert client.get("/", headers=TEXT).headers["X-Cache"] == "hit"
    user = make_user(name="Айгүл")
    login(user)
    renders.clear()
    mine = client.get("/", headers=TEXT)
    assert "X-Cache" not in mine.headers and renders
    assert "/auth/logout" in mine.get_data(as_text=True)
    assert "X-Cache" not in client.get("/", headers=TEXT).headers
    # and what they saw was not kept for others
    stranger = app.test_client()
    assert "/auth/logout" not in stranger.get("/", headers=TEXT).get_data(as_text=True)


def test_a_flashed_message_is_shown_and_never_kept(client, app, make_user, login):
    stranger = app.test_client()
    stranger.get("/", headers=TEXT)
    login(make_user())
    client.post("/auth/logout")
    shown = client.get("/", headers=TEXT)
    assert "flash-success" in shown.get_data(as_text=True) and "X-Cache" not in shown.headers
    after = client.get("/", headers=TEXT)
    assert "flash-success" not in after.get_data(as_text=True)
    assert "flash-success" not in stranger.get("/", headers=TEXT).get_data(as_text=True)


def test_a_published_association_shows_on_the_next_anonymous_page(client, app, make_user, make_org, login):
    owner = make_user()
    org_id = make_org(name="Жаңы коом", status="pending", owner=owner)
    stranger = app.test_client()
    before = stranger.get("/api/v1/organizations").get_json()["total"]
    page = stranger.get("/", headers=KY).data
    assert stranger.get("/", headers=KY).headers["X-Cache"] == "hit"
    assert stranger.get("/api/v1/organizations").headers["X-Cache"] == "hit"

    login(make_user(is_admin=True))
    assert client.post(f"/moderation/organizations/{org_id}/publish").status_code == 302

    response = stranger.get("/", headers=KY)
    assert "X-Cache" not in response.headers and response.data != page
    assert stranger.get("/api/v1/organizations").get_json()["total"] == before + 1


def test_an_event_created_shows_on_the_next_anonymous_page(client, make_event):
    empty = client.get("/api/v1/events").get_json()
    assert client.get("/api/v1/events").headers["X-Cache"] == "hit"
    make_event(title="Жаңы иш-чара")  # a write outside any request (as the CLI or the worker would)
    response = client.get("/api/v1/events")
    assert "X-Cache" not in response.headers and response.get_json() != empty
    assert "Жаңы иш-чара" in str(response.get_json())


def test_another_process_sees_the_write_at_once(client, app, database, make_org):
    """Two apps on one database stand for two gunicorn workers: each has its own cache, one version."""
    from diaspora import create_app

    other = create_app(build_config(database))
    try:
        reader = other.test_client()
        reader.get("/", headers=KY)
        assert reader.get("/", headers=KY).headers["X-Cache"] == "hit"
        make_org(name="Башка процесс")
        assert "X-Cache" not in reader.get("/", headers=KY).headers
    finally:
        with other.app_context():
            from diaspora.extensions import db

            db.engine.dispose()


def test_a_rolled_back_read_keeps_the_cache(client, app):
    """Reading (and rolling back) moves nothing: only commits that wrote do."""
    from sqlalchemy import text

    from diaspora.extensions import db

    client.get("/", headers=KY)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        db.session.execute(text("DELETE FROM organizations WHERE id = -1"))
        db.session.rollback()
    assert client.get("/", headers=KY).headers["X-Cache"] == "hit"


def test_the_workers_own_tables_do_not_throw_pages_away(client, app, make_org):
    """Mail sent and jobs claimed (the worker, all day long) are no page's content; an association's row is."""
    from sqlalchemy import text

    from diaspora.extensions import db

    org = make_org(name="Ынтымак")
    client.get("/", headers=KY)
    with app.app_context():
        db.session.execute(text("UPDATE periodic_jobs SET started_at = NULL WHERE name = 'none'"))
        db.session.execute(text("DELETE FROM outbox_messages WHERE id = -1"))
        db.session.commit()
    assert client.get("/", headers=KY).headers["X-Cache"] == "hit"
    with app.app_context():
        db.session.execute(text("UPDATE organizations SET city = city WHERE id = :id"), {"id": org})
        db.session.commit()
    assert "X-Cache" not in client.get("/", headers=KY).headers


def test_the_switch_turns_it_off(client, app):
    app.config["PAGE_CACHE"] = False
    client.get("/", headers=KY)
    assert "X-Cache" not in client.get("/", headers=KY).headers


@pytest.fixture
def with_csrf(app_config):
    app_config.update(WTF_CSRF_ENABLED=True)  # as in production: a form carries a token of the session


def test_pages_that_are_not_shared_are_never_kept(with_csrf, client, make_org):
    org_id = make_org()
    for url in ("/auth/login", "/help/ask", f"/organizations/{org_id}/report", "/nowhere"):
        client.get(url, headers=KY)
        assert "X-Cache" not in client.get(url, headers=KY).headers, url


def test_the_health_check_always_asks_the_database(client):
    client.get("/healthz")
    response = client.get("/healthz")
    assert "X-Cache" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_with_redis_the_version_is_shared_through_it(database, app):
    """Production's several machines: the version is a Redis counter (the rate limits' store)."""
    import uuid

    import redis

    from diaspora import create_app
    from diaspora.page_cache import RedisVersion

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}:"
    apps = [create_app(build_config(database, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix))
            for _ in range(2)]
    try:
        store = apps[0].extensions["page_cache"].store
        assert isinstance(store, RedisVersion) and store.key.startswith(prefix)
        reader = apps[1].test_client()
        reader.get("/", headers=KY)
        assert reader.get("/", headers=KY).headers["X-Cache"] == "hit"
        with apps[0].app_context():
            from diaspora.directory.services import OrganizationData, create_organization
            from diaspora.extensions import db

            create_organization(OrganizationData(name="Redis аркылуу", country="KG", city="Ош", latitude=40.5,
                                                 longitude=72.8, categories=["adaptation"], languages=["ky"]),
                                status="published")
            db.session.commit()
        assert "X-Cache" not in reader.get("/", headers=KY).headers
        store.client.delete(store.key)
    finally:
        for app in apps:
            with app.app_context():
                from diaspora.extensions import db

                db.engine.dispose()


@pytest.fixture
def with_limits(app_config):
    app_config.update(RATELIMIT_ENABLED=True)


def test_rate_limited_answers_are_counted_not_cached(with_limits, client):
    client.get("/api/v1/organizations")
    response = client.get("/api/v1/organizations")
    assert "X-RateLimit-Remaining" in response.headers and "X-Cache" not in response.headers


def test_requests_with_credentials_or_ranges_go_to_flask(client):
    client.get("/", headers=KY)
    assert client.get("/", headers=KY).headers["X-Cache"] == "hit"
    for extra in ({"Authorization": "Bearer x"}, {"Range": "bytes=0-10"}):
        assert "X-Cache" not in client.get("/", headers={**KY, **extra}).headers


def test_a_repeat_visitor_on_another_process_fills_it_and_gets_a_304(client, app):
    """Its If-None-Match reaches a process that does not hold the page: the page is kept all the same."""
    first = client.get("/", headers=KY)
    etag = first.headers["ETag"]
    app.extensions["page_cache"].clear()  # as another gunicorn worker, which has never drawn it
    again = client.get("/", headers={**KY, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    third = client.get("/", headers=KY)
    assert third.headers["X-Cache"] == "hit" and third.get_data() == first.get_data()


def test_a_visitor_who_opened_a_form_still_gets_cached_pages(with_csrf, client):
    """Flask-Login marks any session `_fresh`; a form's token and that mark make nobody's page personal."""
    client.get("/help/ask", headers=KY)
    client.get("/events", headers=KY)  # Flask-Login marks the session (a cookie set: not kept)
    client.get("/events", headers=KY)  # kept
    assert client.get("/events", headers=KY).headers.get("X-Cache") == "hit"


def test_a_version_that_cannot_move_never_fails_the_write(client, app, make_org, monkeypatch):
    """A full disk or a file of another user: the write is committed and answered, pages served uncached."""
    from diaspora import page_cache

    store = app.extensions["page_cache"].store
    if not isinstance(store, page_cache.FileVersion):
        pytest.skip("the version lives in Redis here")

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    client.get("/", headers=KY)
    monkeypatch.setattr(page_cache.os, "open", refuse)
    make_org(name="Жаңы уюм")  # a commit that wrote
    monkeypatch.undo()
    page = client.get("/", headers=KY)
    assert "X-Cache" not in page.headers and page.status_code == 200
