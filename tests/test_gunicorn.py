"""The app under gunicorn with several workers, configured from the environment as in production."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import GAZETTEER_PATH, ROOT, free_port

pytestmark = pytest.mark.slow

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 3
BOOT_TIMEOUT = 30


def production_env(database_url: str | None, **overrides) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "SECRET_", "DIASPORA_", "FLASK_", "SITE_", "TRUSTED_"))}
    env.update(
        DIASPORA_ENV="production",
        SECRET_KEY="test-secret-key-for-gunicorn-0123456789abcdef",
        SITE_URL="https://diaspora.test",
        SESSION_COOKIE_SECURE="0",
        TILES_URL="",
        GAZETTEER_PATH=GAZETTEER_PATH,
        RATELIMIT_ENABLED="0",
        GEOCODER="offline",
        MAIL_SERVER="",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces, so split after the closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Gunicorn:
    def __init__(self, env: dict, log_path: Path, workers: int = WORKERS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w+b")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--graceful-timeout", "5", "diaspora:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_healthy(self, timeout: float = BOOT_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            try:
                status, body = fetch(self.url + "/healthz", timeout=2)
                if status == 200 and json.loads(body).get("status") == "ok":
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"/healthz did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def gunicorn(database, app, tmp_path):
    """Start gunicorn on the test database (emptied by `app`); always stopped at the end."""
    servers = []

    def start(**env_overrides):
        server = Gunicorn(production_env(database["url"], **env_overrides), tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


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
    assert f"{orgs['moscow']}]" in body and "/static/vendor/leaflet/leaflet.js" in body
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
