"""Write transactions on the app's database: BEGIN IMMEDIATE on SQLite, and waiting for SQLite's write lock
without sleeping through it.

SQLite's busy handler polls: a writer that finds the database locked sleeps 1, 2, 5 ... 100 ms between
tries, so under a burst the lock often sits free while the next writer is still asleep. A writer of the
app's session first takes this lock (a thread lock, then an flock on a file beside the database, shared by
every worker process), which the kernel hands to the next waiter the moment the holder's transaction ends.
SQLite's own lock (BEGIN IMMEDIATE) still does the enforcing; this only makes waiting for it efficient.

Scoped to the app's own sessions (db.session's sessionmaker) on the app's own engine: another Session
class, or another engine, neither takes nor releases it."""
import fcntl
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from diaspora.extensions import db

_threads: dict[str, threading.Lock] = {}
_files: dict[str, int] = {}
_guard = threading.Lock()
_KEY = "diaspora_writer_lock"


def begin_writing() -> Connection:
    """The app session's connection, in a transaction that may write: on SQLite the database's write lock is
    taken now (BEGIN IMMEDIATE), so a second writer waits here rather than failing later; on PostgreSQL
    nothing is needed (the first UPDATE takes its row's lock)."""
    session = db.session()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        assert raw is not None  # a checked-out connection always has its DBAPI connection
        if not raw.in_transaction:
            if connection.engine is db.engine:
                _acquire(session, connection.engine.url.database)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def _acquire(session: Session, database_path: str | None) -> None:
    if not database_path or database_path == ":memory:" or session.info.get(_KEY):
        return
    with _guard:
        thread_lock = _threads.setdefault(database_path, threading.Lock())
        if database_path not in _files:
            _files[database_path] = os.open(f"{database_path}.writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    thread_lock.acquire()  # flock is shared by a process's threads: they queue here first
    try:
        fcntl.flock(_files[database_path], fcntl.LOCK_EX)
    except BaseException:
        thread_lock.release()
        raise
    session.info[_KEY] = database_path


def _release(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    database_path = session.info.pop(_KEY, None)
    if database_path is not None:
        fcntl.flock(_files[database_path], fcntl.LOCK_UN)
        _threads[database_path].release()


def init_app(app) -> None:
    # db.session's sessionmaker has a Session class of its own: listening on it leaves other sessions alone.
    if not event.contains(db.session, "after_transaction_end", _release):
        event.listen(db.session, "after_transaction_end", _release)
