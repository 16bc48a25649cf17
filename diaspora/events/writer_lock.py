"""Waiting for SQLite's write lock without sleeping through it.

SQLite's busy handler polls: a writer that finds the database locked sleeps 1, 2, 5 ... 100 ms between
tries, so under a burst the lock often sits free while the next writer is still asleep. Registrations
first take this lock (a thread lock, then an flock on a file beside the database, shared by every worker
process), which the kernel hands to the next waiter the moment the holder's transaction ends. SQLite's
own lock (BEGIN IMMEDIATE) still does the enforcing; this only makes waiting for it efficient."""
import fcntl
import os
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_threads: dict[str, threading.Lock] = {}
_files: dict[str, int] = {}
_guard = threading.Lock()


def acquire(session, database_path: str | None) -> None:
    if not database_path or database_path == ":memory:" or session.info.get("writer_lock"):
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
    session.info["writer_lock"] = database_path


@event.listens_for(Session, "after_transaction_end")
def _release(session, transaction) -> None:
    if transaction.parent is not None:
        return
    database_path = session.info.pop("writer_lock", None)
    if database_path is not None:
        fcntl.flock(_files[database_path], fcntl.LOCK_UN)
        _threads[database_path].release()
