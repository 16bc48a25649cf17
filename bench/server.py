"""For the benchmarks that need a real server: gunicorn on a benchmark database, configured from the
environment as production is, and the demo data's pages to measure."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import GAZETTEER_PATH, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")
ACCESS_FORMAT = "access %(m)s %(U)s %(q)s %(s)s %(B)s"
ACCESS = re.compile(r"^access (\S+) (\S+) (\S*) (\d{3}) (\d+|-)$", re.MULTILINE)


def production_env(database_url: str, **overrides: str) -> dict:
    """Production settings (as tests/servers.py gives gunicorn): no mail, no rate limits, no tile server."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "SECRET_", "DIASPORA_", "FLASK_", "SITE_", "TRUSTED_", "PAGE_CACHE"))}
    env.update(DIASPORA_ENV="production", SECRET_KEY="bench-secret-key-for-gunicorn-0123456789abcdef",
               DATA_KEY="YmVuY2gtZGF0YS1rZXktZm9yLWd1bmljb3JuLTAxMjM=",
               SITE_URL="https://diaspora.test", SESSION_COOKIE_SECURE="0", TILES_URL="",
               GAZETTEER_PATH=GAZETTEER_PATH, RATELIMIT_ENABLED="0", GEOCODER="offline", MAIL_SERVER="",
               PYTHONUNBUFFERED="1", DATABASE_URL=database_url)
    env.update(overrides)
    return env


class Gunicorn:
    """gunicorn on a port the kernel picks; use as a context manager (always stopped)."""

    def __init__(self, database_url: str, workers: int = 2, access_log: bool = False, **env: str):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - gunicorn writes to it until stop()
        logging = ["--access-logfile", "-", "--access-logformat", ACCESS_FORMAT] if access_log else []
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(workers), "-b", "127.0.0.1:0", "--timeout", "60", "--graceful-timeout", "5",
             *logging, "diaspora:create_app()"],
            cwd=ROOT, env=production_env(database_url, **env), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.url = self._wait_healthy()

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def requests(self) -> list[tuple[str, int, int]]:
        """(path with query, status, body bytes) of every request so far (with access_log=True)."""
        return [(path + (f"?{query}" if query else ""), int(status), 0 if size == "-" else int(size))
                for _method, path, query, status, size in ACCESS.findall(self.output())]

    def _wait_healthy(self, timeout: float = 180) -> str:  # generous: a busy machine starts workers slowly
        deadline = time.monotonic() + timeout
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            found = url or LISTENING.search(self.output())
            if found:
                url = found if isinstance(found, str) else found.group(1)
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                        if response.status == 200 and json.loads(response.read()).get("status") == "ok":
                            return url
                except (OSError, ValueError, urllib.error.URLError):
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()


def seed_demo(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    if result.exit_code:
        raise RuntimeError(f"flask seed-demo failed:\n{result.output}")


def demo_pages(app) -> dict[str, str]:
    """The public pages the issue names, with an event's and an association's from the demo data."""
    from sqlalchemy import select

    from diaspora.extensions import db
    from diaspora.models import Event, Organization

    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.status == "published",
                                                              Organization.city == "Москва").limit(1))
        slug = db.session.scalar(select(Event.slug).where(Event.status == "published").order_by(Event.id).limit(1))
    return {"/": "/", "/map": "/map", "/help": "/help", "/events": "/events", "event": f"/events/{slug}",
            "association": f"/organizations/{org}"}
