"""Database plumbing shared by every model: SQLite pragmas, UTC timestamps, dialect helpers."""
import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import event, types
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.sql.base import Executable


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator):
    """Timezone-aware datetimes stored as UTC; SQLite hands back naive values, so tag them on the way out."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers and one writer work at once (several gunicorn workers on one file);
        # busy_timeout makes a second writer wait instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def binary_order(column):
    """Order by code point on every backend (our sort keys are built for binary comparison)."""
    from diaspora.extensions import db

    if db.engine.dialect.name == "postgresql":
        return column.collate("C")
    return column


def dialect_insert(dialect: str, table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL's and SQLite's take the same arguments)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def rows_matched(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the app's session: how many rows it matched (what a claim checks).
    Session.execute() is typed as returning any Result; for these statements it is a CursorResult."""
    from diaspora.extensions import db

    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def init_app(app) -> None:
    from diaspora import database_locks

    database_locks.init_app(app)
