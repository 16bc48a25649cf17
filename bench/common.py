"""Shared by the benchmarks: an app on a throw-away migrated database, bulk data, timing helpers."""
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
logging.disable(logging.INFO)  # migrations' chatter would break up the tables
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

GAZETTEER_PATH = str(ROOT / "instance" / "gazetteer.sqlite")
# Land-ish boxes (lat_min, lat_max, lng_min, lng_max) where associations could plausibly be.
REGIONS = [(35, 70, -10, 180), (20, 50, 25, 145), (25, 60, -125, -65), (-40, 10, -80, -35), (-35, 35, -15, 50),
           (-45, -10, 110, 155)]


def make_app(url: str | None = None):
    """A migrated database (a temporary SQLite file unless `url` is given) and an app bound to it."""
    from diaspora import create_app

    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='diaspora-bench-')}/bench.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "GAZETTEER_PATH": GAZETTEER_PATH,
                      "TILES_URL": "", "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        from diaspora.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
    return app


def random_point(rng: random.Random) -> tuple[float, float]:
    lat_min, lat_max, lng_min, lng_max = rng.choice(REGIONS)
    return round(rng.uniform(lat_min, lat_max), 6), round(rng.uniform(lng_min, lng_max), 6)


def add_organizations(app, count: int, start: int = 0, seed: int = 1) -> None:
    """Bulk-insert `count` published associations spread over the inhabited continents."""
    from diaspora.database import utcnow
    from diaspora.extensions import db
    from diaspora.models import Organization, OrganizationLanguage, organization_categories
    from diaspora.text import search_text, sort_key

    rng = random.Random(seed + start)
    now = utcnow()
    with app.app_context():
        for offset in range(0, count, 5000):
            rows = []
            for i in range(start + offset, start + min(offset + 5000, count)):
                lat, lng = random_point(rng)
                name = f"Кыргыз коому №{i}"
                rows.append({"name": name, "country": "RU", "city": "Город", "status": "published",
                             "latitude": lat, "longitude": lng, "description": {}, "location_source": "manual",
                             "is_demo": False, "search_text": search_text(name, "Город"), "sort_key": sort_key(name),
                             "dedupe_key": str(i), "created_at": now, "updated_at": now})
            ids = db.session.scalars(insert(Organization).returning(Organization.id), rows).all()
            db.session.execute(insert(organization_categories),
                               [{"organization_id": i, "category_id": 1 + i % 11} for i in ids])
            db.session.execute(insert(OrganizationLanguage), [{"organization_id": i, "code": "ky"} for i in ids])
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))  # fresh statistics, as a live database would have
        db.session.commit()


def timed(fn, repeat: int, setup=None) -> list[float]:
    """Milliseconds per call of fn; setup (untimed) runs before each call."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def median(values):
    return statistics.median(values)


def database_urls() -> list[tuple[str, str | None]]:
    """SQLite always; PostgreSQL too when BENCH_POSTGRES_URL is set (e.g. postgresql://postgres@127.0.0.1/test)."""
    urls: list[tuple[str, str | None]] = [("SQLite", None)]
    if os.environ.get("BENCH_POSTGRES_URL"):
        from diaspora.config import database_url

        os.environ["DATABASE_URL"] = os.environ["BENCH_POSTGRES_URL"]
        urls.append(("PostgreSQL", database_url("")))
        del os.environ["DATABASE_URL"]
    return urls
