"""Fixtures: a migrated database per session (SQLite file, or PostgreSQL when DATABASE_URL says so),
emptied before every test; an app, client and CLI runner; factories for users and associations."""
import os
import socket
import threading
import uuid
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from diaspora import create_app
from diaspora.config import database_url

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER_PATH = str(ROOT / "instance" / "gazetteer.sqlite")
DEFAULT_PASSWORD = "correct horse battery"
IN_CI = bool(os.environ.get("CI"))
DATA_KEY = "dGVzdC1kYXRhLWtleS1mb3ItZ3VuaWNvcm4tMDEyMzQ="


def pytest_configure(config):
    """The hashed copies of static files (what `make setup` builds), made again when a file changed: once, in
    the process that starts the xdist workers, before they build apps that read the manifest."""
    if not hasattr(config, "workerinput"):
        from diaspora.static_files import build, is_stale

        static = str(ROOT / "static")
        if is_stale(static):
            build(static)


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (temporary file)'}"


def _own_schema() -> str:
    """A PostgreSQL schema of this run and this xdist worker alone: two `make test` at once, and the
    workers of one, never share tables."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:10]
    return f"test_{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A database URL whose schema comes from the real migrations, plus the rows they seed. On PostgreSQL
    (DATABASE_URL) every connection of the run, gunicorn's too, works in a schema of its own (search_path),
    dropped at the end."""
    url = os.environ.get("DATABASE_URL")
    schema = None
    if url:
        schema = _own_schema()
        base = database_url("")
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # A test's commit need not wait for the disk (the same statements, the same locks): the data is
        # thrown away, and the suite commits thousands of times.
        options = quote(f"-csearch_path={schema} -csynchronous_commit=off")
        url = f"{base}{'&' if '?' in base else '?'}options={options}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "GAZETTEER_PATH": GAZETTEER_PATH})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from diaspora.extensions import db
        from diaspora.geo.gazetteer import ensure_gazetteer

        ensure_gazetteer(GAZETTEER_PATH)
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        # through the tables' own types: a JSON column is read back as it is written
        seeded = {name: [dict(row._mapping) for row in db.session.execute(db.metadata.tables[name].select())]
                  for name in tables}
        sequences = {}
        if db.engine.dialect.name == "postgresql":
            for table in db.metadata.sorted_tables:
                if "id" in table.c:
                    sequence = db.session.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
                    if sequence:
                        sequences[table.name] = sequence
        db.session.remove()
        db.engine.dispose()
    yield {"url": url, "tables": tables, "seeded": {k: v for k, v in seeded.items() if v}, "sequences": sequences}
    if schema:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _reset(db, database) -> None:
    """Empty every table and put back what the migrations seeded (the default services)."""
    tables = database["tables"]
    with db.engine.begin() as conn:
        # DELETE, children first: a test leaves a few rows, and PostgreSQL's TRUNCATE of every table costs
        # ~0.35 s (new files for each) against ~5 ms
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        if conn.dialect.name == "postgresql":
            for name, sequence in database["sequences"].items():  # ids start again at 1, as on SQLite
                seeded = database["seeded"].get(name)
                start = max(row["id"] for row in seeded) if seeded else 1
                conn.execute(text("SELECT setval(:sequence, :start, :called)"),
                             {"sequence": sequence, "start": start, "called": bool(seeded)})
        elif inspect(conn).has_table("sqlite_sequence"):
            conn.execute(text("DELETE FROM sqlite_sequence"))
        for name, rows in database["seeded"].items():
            conn.execute(db.metadata.tables[name].insert(), rows)


def build_config(database, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database["url"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "TILES_URL": "",
        "GAZETTEER_PATH": GAZETTEER_PATH,
        "GEOCODER": "offline",
        "SERVER_NAME": None,
        "DATA_KEY": DATA_KEY,  # the key gunicorn in tests/servers.py gets: both read the same rows
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Override settings for one test: `app_config.update(RATELIMIT_ENABLED=True)` before using `app`."""
    return {}


@pytest.fixture
def app(database, app_config):
    app = create_app(build_config(database, **app_config))
    from diaspora.extensions import db

    with app.app_context():
        _reset(db, database)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from diaspora.auth.services import create_user
    from diaspora.extensions import db

    counter = iter(range(1, 10_000))

    def make(email=None, password=DEFAULT_PASSWORD, is_admin=False, name="", locale=None):
        with app.app_context():
            user = create_user(email or f"user{next(counter)}@example.org", password, name, locale=locale,
                               is_admin=is_admin)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def make_org(app):
    """Create an association directly through the service (published unless told otherwise)."""
    from diaspora.directory.services import OrganizationData, create_organization
    from diaspora.extensions import db
    from diaspora.models import Membership

    def make(name="Кыргыз биримдиги", country="RU", city="Москва", lat=55.7558, lng=37.6173, status="published",
             categories=("adaptation",), languages=("ky", "ru"), owner=None, admins=(), is_demo=False, **fields):
        with app.app_context():
            if isinstance(fields.get("description"), str):  # a description given as one text is Kyrgyz
                fields["description"] = {"ky": fields["description"]}
            data = OrganizationData(name=name, country=country, city=city, latitude=lat, longitude=lng,
                                    categories=list(categories), languages=list(languages), **fields)
            org, _ = create_organization(data, status=status, user=owner, is_demo=is_demo)
            for admin in admins:
                db.session.add(Membership(organization_id=org.id, user_id=admin.id, role="admin"))
            db.session.commit()
            return org.id

    return make


@pytest.fixture
def login(client):
    def do(user, password=DEFAULT_PASSWORD, c=None):
        response = (c or client).post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def db_query(app):
    """Run a function inside an app context: db_query(lambda db: ...)."""
    from diaspora.extensions import db

    def run(fn):
        with app.app_context():
            return fn(db)

    return run


def bound_socket() -> socket.socket:
    """A socket bound to a port the kernel chose, not listening yet: the port is ours (a connection to it is
    refused, as to a server that is down) until a server listens on this very socket. Nothing is picked and
    released for another process to take first."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live_server(app):
    """The app on a real port in a thread (for the browser), sharing the test's database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the kernel's choice
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def make_event(app):
    """An event created through the service (published, registration open), as the given organizer."""
    from datetime import timedelta

    from diaspora.database import utcnow
    from diaspora.events import services
    from diaspora.extensions import db

    class Site:
        id = None
        is_admin = True
        is_authenticated = True

    def make(title="Мекендештер 2026", capacity=100, organizer=None, organization_id=None, status="published",
             starts_in_days=30, approval=False, sessions=(), questions=(), city="Бишкек", country="KG",
             opens_at=None, closes_at=None, timezone="Asia/Bishkek", **fields):
        with app.app_context():
            starts = utcnow().replace(microsecond=0) + timedelta(days=starts_in_days)
            user = organizer or Site()
            if organizer is not None:
                user = db.session.merge(organizer)
            # title in Kyrgyz, title_ru="…", title_kk="…" in other languages; a venue given as a text is Kyrgyz
            titles = {"ky": title, **{key[len("title_"):]: fields.pop(key) for key in list(fields)
                                      if key.startswith("title_")}}
            for name in ("venue_name", "venue_address"):
                if isinstance(fields.get(name), str):
                    fields[name] = {"ky": fields[name]}
            data = services.EventData(titles=titles,
                                      starts_at=starts, ends_at=starts + timedelta(hours=8), capacity=capacity,
                                      organization_id=organization_id, requires_approval=approval, city=city,
                                      country=country, registration_opens_at=opens_at,
                                      registration_closes_at=closes_at, timezone=timezone,
                                      latitude=fields.pop("latitude", 42.8746),
                                      longitude=fields.pop("longitude", 74.5698),
                                      **fields)
            event = services.create_event(user, data)
            for i, session in enumerate(sessions):
                services.add_session(user, event, services.SessionData(
                    titles={"ky": session["title"], "en": session.get("title_en", "")},
                    starts_at=starts + timedelta(hours=i), ends_at=starts + timedelta(hours=i + 1),
                    room={"ky": session.get("room", "")}, capacity=session.get("capacity")))
            for question in questions:
                services.add_question(user, event, services.QuestionData(
                    kind=question["kind"], labels={"ky": question["label"], "en": question.get("label_en", "")},
                    options=question.get("options", []), required=question.get("required", False)))
            if status == "published":
                services.publish(user, event)
            elif status == "cancelled":
                event.status = "cancelled"
            db.session.commit()
            return event.slug

    return make


@pytest.fixture
def event_ids(app):
    """Ids of an event's sessions and questions, in programme order: event_ids(slug) -> (sessions, questions)."""
    from diaspora.events import services

    def read(slug):
        with app.app_context():
            event = services.event_by_slug(slug)
            return [s.id for s in event.sessions], [q.id for q in event.questions]

    return read


REGISTRANT = {
    "full_name": "Айгүл Токтогулова",
    "email": "aigul@example.org",
    "phone": "+7 912 000 00 00",
    "country": "RU",
    "city": "Екатеринбург",
    "home_region": "osh",
    "sector": "trade",
    "consent": True,
    "language": "ky",
}


# --- a real mail server (aiosmtpd) ------------------------------------------------------------------

class Inbox:
    """What the tests' mail server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


class SocketController(Controller):
    """aiosmtpd listening on a socket the test bound itself (bound_socket, or a Tarpit's), so the port is
    never picked, released and raced for."""

    def __init__(self, handler, sock):
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1])
        self._socket = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)


@pytest.fixture
def smtp_socket():
    """Where the tests' mail server listens: bound now, refusing connections (a server that is down) until a
    SocketController listens on it."""
    sock = bound_socket()
    yield sock
    sock.close()


@pytest.fixture
def smtp_port(smtp_socket):
    return smtp_socket.getsockname()[1]


@pytest.fixture
def smtp_server(smtp_socket):
    """A mail server that is up for the whole test: its Inbox."""
    inbox = Inbox()
    controller = SocketController(inbox, smtp_socket)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def mail_config(app_config, smtp_port):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_TIMEOUT=3,
                      MAIL_DEFAULT_SENDER="Diaspora <no-reply@diaspora.test>")
