"""Fixtures: a migrated database per session (SQLite file, or PostgreSQL when DATABASE_URL says so),
emptied before every test; an app, client and CLI runner; factories for users and associations."""
import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from werkzeug.serving import make_server

from diaspora import create_app
from diaspora.config import database_url

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER_PATH = str(ROOT / "instance" / "gazetteer.sqlite")
DEFAULT_PASSWORD = "correct horse battery"
IN_CI = bool(os.environ.get("CI"))
DATA_KEY = "dGVzdC1kYXRhLWtleS1mb3ItZ3VuaWNvcm4tMDEyMzQ="


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL') or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A database URL whose schema comes from the real migrations, plus the rows they seed."""
    url = os.environ.get("DATABASE_URL")
    if url:
        url = database_url("")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
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
        seeded = {name: [dict(row._mapping) for row in db.session.execute(text(f"SELECT * FROM {name}"))]
                  for name in tables}
        db.session.remove()
        db.engine.dispose()
    return {"url": url, "tables": tables, "seeded": {k: v for k, v in seeded.items() if v}}


def _reset(db, database) -> None:
    """Empty every table and put back what the migrations seeded (the default services)."""
    tables = database["tables"]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            if inspect(conn).has_table("sqlite_sequence"):
                conn.execute(text("DELETE FROM sqlite_sequence"))
        for name, rows in database["seeded"].items():
            conn.execute(db.metadata.tables[name].insert(), rows)
        if conn.dialect.name == "postgresql":
            for name, rows in database["seeded"].items():
                if "id" in rows[0]:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT MAX(id) FROM {name}))"))


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app on a real port in a thread (for the browser), sharing the test's database."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
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
            titles = {"ky": title, "ru": fields.pop("title_ru", ""), "en": fields.pop("title_en", "")}
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
                    room=session.get("room", ""), capacity=session.get("capacity")))
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
