"""Servers for tests that need real processes: gunicorn with several workers, configured from the
environment as in production, on the test database."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DATA_KEY, GAZETTEER_PATH, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKERS = 3
# A bound for waiting on a server to start, never an expectation: generous for a loaded 2-core machine.
BOOT_TIMEOUT = 120
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


def production_env(database_url: str | None, **overrides) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "SECRET_", "DIASPORA_", "FLASK_", "SITE_", "TRUSTED_"))}
    env.update(
        DIASPORA_ENV="production",
        SECRET_KEY="test-secret-key-for-gunicorn-0123456789abcdef",
        DATA_KEY=DATA_KEY,
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
    """gunicorn on a port the kernel chooses (-b 127.0.0.1:0): none is picked here and released for another
    process to take first. The port is read from gunicorn's "Listening at" line."""

    def __init__(self, env: dict, log_path: Path, workers: int = WORKERS):
        self._url: str | None = None
        self.log = open(log_path, "w+b")  # noqa: SIM115 - the process writes to it until stop() closes it
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(workers), "-b", "127.0.0.1:0", "--timeout", "60",
             "--graceful-timeout", "5", "diaspora:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>, once gunicorn has bound its socket (waited for, within BOOT_TIMEOUT)."""
        deadline = time.monotonic() + BOOT_TIMEOUT
        while self._url is None:
            found = LISTENING.search(self.output())
            if found:
                self._url = found.group(1)
            elif self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.output()}")
            elif time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start listening within {BOOT_TIMEOUT} s:\n{self.output()}")
            else:
                time.sleep(0.05)
        return self._url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

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

    def start(workers: int = WORKERS, **env_overrides):
        server = Gunicorn(production_env(database["url"], **env_overrides), tmp_path / f"gunicorn-{len(servers)}.log",
                          workers=workers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


FLASK = Path(sys.executable).with_name("flask")


class FlaskWorker:
    """`flask --app diaspora worker` as production runs it (beside gunicorn, same settings)."""

    def __init__(self, env: dict, log_path: Path, *args: str):
        self.log = open(log_path, "w+b")  # noqa: SIM115 - the process writes to it until stop() closes it
        self.process = subprocess.Popen(
            [str(FLASK), "--app", "diaspora", "worker", *args], cwd=ROOT, env={**env, "FLASK_SKIP_DOTENV": "1"},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait(self, timeout: float = 120) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the worker did not exit within {timeout} s:\n{self.output()}") from None

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as systemd or Ctrl-C would; the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode

    def close(self) -> None:
        self.stop()
        self.log.close()


@pytest.fixture
def flask_worker(database, app, tmp_path):
    """Start `flask worker` processes on the test database; always stopped at the end."""
    workers = []

    def start(*args: str, **env_overrides):
        worker = FlaskWorker(production_env(database["url"], **env_overrides), tmp_path / f"worker-{len(workers)}.log",
                             *args)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.close()


class Tarpit:
    """A mail server that accepts connections and never says a word, as a hung one does."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._open = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while self._open:
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(connection)

    def hand_over(self) -> socket.socket:
        """Hang up on everyone and give the listening socket away (to a real server, on the same address:
        the port is never free in between)."""
        self._open = False
        self._thread.join(timeout=10)
        for connection in self.connections:
            connection.close()
        self.socket.settimeout(None)
        return self.socket

    def close(self) -> None:
        """Hang up on everyone and free the port (if it was not handed over)."""
        if self._open:
            self.hand_over().close()


def post_json(url: str, body: dict) -> tuple[int, dict]:
    """POST a JSON body to a running server: (status, the JSON answer), errors included."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
