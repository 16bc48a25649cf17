"""The directory map's parts kept per set of filters, in each process, for as long as the directory is unchanged.

At 10,000 associations the marker data is ~250 KB of text built from a 10,000-row query; the same filters ask
for it again and again. A process-local cache is right across gunicorn workers because its key holds
`version()`, read on every request: the site's content version (shared by every process) and, from the
database, the newest `updated_at` of any association and their number. Every write to an association moves its
`updated_at` (the column's onupdate, and `_touch` below for its services and languages, which live in other
tables), and a deletion changes the number.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app, g
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.models import Organization

T = TypeVar("T")


class BoundedCache(Generic[T]):
    """A small least-recently-used cache; `get(key, build)` builds a missing value outside the lock (two
    threads may both build it once: harmless, the value is the same)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def version() -> tuple:
    """What changes whenever an association is added, changed or deleted. First the site's content version
    (diaspora/page_cache.py: moved after every commit that wrote, in any process): `updated_at` is stamped
    before its commit, so commits can land out of its order (an import batch stamps one time for all its rows)
    and the newest of it alone could miss a change. Then two index reads (~0.3 ms at 10,000 rows), for a
    process where that version is unknown (its store is unreachable: then nothing is reused across requests)."""
    if "directory_version" not in g:  # once a request: the map and the filters' choices both ask
        cache = current_app.extensions.get("page_cache")
        content = cache.store.current() if cache is not None else None
        newest = select(func.max(Organization.updated_at)).scalar_subquery()
        count = select(func.count()).select_from(Organization).scalar_subquery()
        found, number = db.session.execute(select(newest, count)).one()
        g.directory_version = (content if content is not None else object(), str(found), number)
    return g.directory_version


@event.listens_for(Session, "before_flush")
def _touch(session: Session, _context, _instances) -> None:
    """An association whose services or languages changed (rows of other tables) counts as updated, as a change
    of its own columns does."""
    for obj in session.dirty:
        if isinstance(obj, Organization) and session.is_modified(obj, include_collections=True):
            obj.updated_at = utcnow()
