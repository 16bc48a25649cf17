"""The app under gunicorn with several workers, configured from the environment as in production."""
import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import BOOT_TIMEOUT, WORKERS, children_of, fetch, gunicorn, production_env  # noqa: F401

pytestmark = pytest.mark.slow

@pytest.fixture
def orgs(make_org):
    return {
        "moscow": make_org(name="Москвадагы кыргыздар", city="Москва", country="RU", lat=55.7558, lng=37.6173),
        "seoul": make_org(name="Сеулдагы кыргыз коому", city="Сеул", country="KR", lat=37.5665, lng=126.978),
    }


def test_serves_the_site_with_several_workers(gunicorn, orgs):
    server = gunicorn()
    server.wait_healthy()

    status, body = fetch(server.url + "/")
    assert status == 200 and "<html" in body and 'href="/map"' in body

    status, body = fetch(server.url + "/map")
    assert status == 200
    assert f"{orgs['moscow']}]" in body and re.search(r"/static/vendor/leaflet/leaflet-[0-9a-f]{32}\.js", body)
    assert "Москвадагы кыргыздар" in body
    assert "tile.openstreetmap.org" not in body

    status, body = fetch(server.url + "/api/v1/organizations")
    assert status == 200
    names = {f["properties"]["name"] for f in json.loads(body)["features"]}
    assert names == {"Москвадагы кыргыздар", "Сеулдагы кыргыз коому"}

    status, body = fetch(server.url + f"/organizations/{orgs['seoul']}")
    assert status == 200 and "Сеулдагы кыргыз коому" in body
    status, body = fetch(server.url + "/static/vendor/leaflet/leaflet.js")
    assert status == 200 and "Leaflet" in body
    status, _ = fetch(server.url + "/organizations/999999")
    assert status == 404

    # Several workers really run (the master forks them; wait for all to have booted).
    deadline = time.monotonic() + BOOT_TIMEOUT
    workers = children_of(server.process.pid)
    while len(workers) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = children_of(server.process.pid)
    assert len(workers) == WORKERS, (workers, server.output())

    # Many requests at once, spread over pages that read the database: all succeed.
    paths = ["/", "/map", "/api/v1/organizations", f"/organizations/{orgs['moscow']}",
             "/map?near=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&radius_km=100", "/healthz"] * 7
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda p: (p, *fetch(server.url + p, timeout=30)), paths[:40]))
    failures = [(path, status) for path, status, _ in results if status != 200]
    assert not failures, failures
    near = [body for path, _, body in results if "near=" in path]
    assert all("Москвадагы кыргыздар" in body and "Сеулдагы кыргыз коому" not in body for body in near)
    assert server.process.poll() is None, server.output()
    assert "Traceback" not in server.output(), server.output()


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    from diaspora import create_app

    monkeypatch.setenv("DIASPORA_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_its_public_address(monkeypatch, tmp_path):
    """Links in mail come from SITE_URL, never from a request's Host header."""
    from diaspora import create_app

    monkeypatch.setenv("DIASPORA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app()


def test_gunicorn_exits_without_secret_key(gunicorn):
    server = gunicorn(SECRET_KEY=None)
    try:
        server.process.wait(timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn kept running without SECRET_KEY:\n{server.output()}")
    assert server.process.returncode != 0
    assert "SECRET_KEY must be set" in server.output()
