"""Rate limits under gunicorn with several workers: counted in one shared store (Redis), per client address
and per account; and a server that would count in each worker's memory refuses to start."""
import re
import subprocess
import uuid

import pytest
import redis
import requests

from tests.servers import BOOT_TIMEOUT, WORKERS, children_of, gunicorn  # noqa: F401

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def shared_store():
    """The shared Redis, with keys of this test alone (other test runs may use it at the same moment)."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    with redis.Redis.from_url(REDIS_URL) as store:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def csrf_session(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(url + "/auth/login", timeout=30).text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, page
    return session, match.group(1)


def bad_login(session, url, token, email, i, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return session.post(url + "/auth/login", data={"csrf_token": token, "email": email, "password": f"guess {i}"},
                        headers=headers, allow_redirects=False, timeout=30).status_code


def test_limits_hold_across_workers(gunicorn, shared_store, make_user):
    make_user(email="user@example.org")
    server = gunicorn(RATELIMIT_ENABLED="1", **shared_store, PROXY_COUNT="1",
                      LOGIN_RATE_LIMIT="10 per minute", LOGIN_ACCOUNT_RATE_LIMIT="10 per minute")
    server.wait_healthy()
    assert len(children_of(server.process.pid)) > 1

    # Per client address: 30 bad logins from one address, each for another account.
    session, token = csrf_session(server.url)
    with session:  # its pooled connections are closed at the end
        codes = [bad_login(session, server.url, token, f"guess{i}@example.org", i, "192.0.2.10") for i in range(30)]
        assert set(codes) <= {200, 429}, codes
        assert codes.count(200) <= 10 and codes[-1] == 429, codes

        # Per account: 30 bad logins for one account, each from another address (a proxy adds X-Forwarded-For).
        codes = [bad_login(session, server.url, token, "User@example.org", i, f"198.51.100.{i}") for i in range(30)]
        assert set(codes) <= {200, 429}, codes
        assert codes.count(200) <= 10 and codes[-1] == 429, codes
    assert server.process.poll() is None and "Traceback" not in server.output(), server.output()


def test_several_workers_refuse_to_count_in_memory(gunicorn):
    server = gunicorn(RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URI="memory://")
    try:
        server.process.wait(timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn started {WORKERS} workers counting in memory:\n{server.output()}")
    assert server.process.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in server.output() and "redis://" in server.output()


def test_one_worker_may_count_in_memory(gunicorn):
    server = gunicorn(RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URI="memory://", workers=1)
    server.wait_healthy()


def test_production_names_its_rate_limit_store(monkeypatch, tmp_path):
    from diaspora import create_app

    for name, value in {"DIASPORA_ENV": "production", "SECRET_KEY": "x" * 40, "SITE_URL": "https://diaspora.test",
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI must be set"):
        create_app()
