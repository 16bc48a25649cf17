"""One unit of work: the only place that commits or rolls back the app's session (a test scans the package).

- **A web request** is one unit (`App`, the Flask class of create_app): the view runs, then the session is
  committed once, before the response is finished. Any exception out of the view, or out of the commit,
  rolls everything back and becomes an error page; the cookie session (a flashed "Saved.", a login) goes back
  to what it was, so nothing claims success for a commit that did not happen.
- **A domain error met inside `attempt()` dooms the unit**: it is rolled back then and there, and nothing
  more is committed at its end, even when the view caught the error to show the form again or to flash it
  and redirect. This is the one mechanism for a refused action: a view that catches a DomainError
  (ServiceError, Forbidden, InvalidFields ...) wraps the call in `with attempt():`, so whatever the service
  wrote before it refused is never committed (a test checks every view module does so). It undoes the
  whole unit rather than a savepoint: on SQLite a SAVEPOINT would open the transaction before the
  registration lock's BEGIN IMMEDIATE.
- **A CLI command** is one unit: `@unit_of_work()` under `@with_appcontext` (commit at the end, roll back on
  any exception, click's errors included). Long-running commands (the worker, imports) do not take one
  unit: each step is a short `transaction()` of its own, so nothing stays open while they wait.
- **Services flush, never commit; views never commit or roll back.**
- **What must follow a commit** hangs on the commit itself: `after_commit(fn)` runs fn once the outermost
  transaction is committed, and drops it if that transaction (or the savepoint it was registered in) is
  rolled back. The same for the web, the CLI and the tests, since it is the session's own event.
  Mail needs none of this: it is an outbox row written in the same transaction (diaspora.mail)."""
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

from flask import Flask, g
from flask import session as cookie_session
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from diaspora.errors import DomainError
from diaspora.extensions import db

log = logging.getLogger("diaspora.unit_of_work")

_DOOMED = "unit_of_work.doomed"
_AFTER_COMMIT = "unit_of_work.after_commit"


def _session() -> Session:
    return db.session()


# --- the unit -----------------------------------------------------------------------------------------

def _rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)  # also those registered before any transaction began
    session.rollback()


def _finish(session: Session) -> None:
    """End the unit: commit, or roll back when a domain error doomed it."""
    if session.info.pop(_DOOMED, False):
        _rollback(session)
    else:
        session.commit()


def _abandon(session: Session) -> None:
    """End the unit after an exception: nothing of it is kept."""
    session.info.pop(_DOOMED, None)
    _rollback(session)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One unit (a CLI command; also a decorator, `@unit_of_work()`): committed once at the end, rolled back
    on any exception or when a domain error met in `attempt()` doomed it."""
    session = _session()
    session.info.pop(_DOOMED, None)
    try:
        yield session
    except BaseException:
        _abandon(session)
        raise
    _finish(session)


@contextmanager
def attempt() -> Iterator[None]:
    """A step that may be refused: a DomainError out of it rolls back at once (the page that shows the error
    then reads the database as it was, and flushes nothing half-done) and dooms the unit, so nothing written
    after it is committed either. The error goes on to the caller, who may show it."""
    try:
        yield
    except DomainError:
        session = _session()
        _rollback(session)
        session.info[_DOOMED] = True
        raise


@contextmanager
def transaction() -> Iterator[Session]:
    """One short transaction of a long-running command (the worker's claim, an import's batch): committed at
    the end, rolled back on any error, so nothing stays open while the command waits or goes on."""
    session = _session()
    try:
        yield session
    except BaseException:
        _rollback(session)
        raise
    session.commit()


def discard() -> None:
    """Roll back what the session holds now: the worker after a failed step, a registration drawing its
    check-in code again after a clash (which also releases the event's lock). A unit a domain error doomed
    stays doomed."""
    _rollback(_session())


# --- after the commit ---------------------------------------------------------------------------------

def after_commit(fn: Callable[[], Any]) -> None:
    """Run `fn()` once what is written now is committed; never if it is rolled back. For effects outside the
    database (a cache, a notice to another process): `fn` runs as the commit ends, when this session may emit
    no SQL (what must be written belongs in the transaction itself, as mail does in the outbox). Its errors
    are logged, not raised: the commit has happened."""
    session = _session()
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_AFTER_COMMIT, []).append((current, fn))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_AFTER_COMMIT)
    if not pending:
        return
    if previous.parent is None:  # the whole transaction: nothing of it will be committed
        session.info.pop(_AFTER_COMMIT, None)
    else:
        pending[:] = [(transaction, fn) for transaction, fn in pending if not _within(transaction, previous)]


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its work is not committed yet
        return
    for _, fn in session.info.pop(_AFTER_COMMIT, []):
        try:
            fn()
        except Exception:
            log.exception("After-commit step %r failed", fn)


# --- the web --------------------------------------------------------------------------------------------

def _copy(proxy) -> dict:
    # dict's own copy, deep (flash() appends to the list it holds): reading through the session's methods
    # would mark it accessed, and every response would vary on the cookie.
    current = proxy._get_current_object()
    return deepcopy(dict.copy(current)) if current else {}  # most API calls and first visits carry none


class App(Flask):
    """Flask, with each request one unit of work: committed once, after the view returned and before its
    response is finished (so a failed commit becomes an error page, never a success sent after it).
    before_request and after_request handlers run outside it: they write nothing."""

    def dispatch_request(self):
        _session().info.pop(_DOOMED, None)  # a refusal met outside any unit (a shell, a test) dooms no request
        g._cookie_session_before = _copy(cookie_session)
        response = self.make_response(super().dispatch_request())
        _finish(_session())
        return response

    def handle_user_exception(self, e):
        # Before any error page is made (it may read the database, which PostgreSQL refuses in a failed
        # transaction): nothing of this request is kept, not even its flashed messages or a login.
        _abandon(_session())
        before = g.pop("_cookie_session_before", None)
        if before is not None and _copy(cookie_session) != before:
            cookie_session.clear()
            cookie_session.update(before)
        return super().handle_user_exception(e)
