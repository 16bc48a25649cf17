"""Whole responses that are the same for everyone, kept in each process and answered before Flask runs.

A public page (the home page, the map, an event's page) costs a template render and a few queries; the
same bytes, already compressed, cost almost nothing to send again. This is a WSGI middleware around the
Flask app (inside ProxyFix, so it sees the client's scheme and host): a hit skips the request context,
Talisman, the locale, Flask-Login and the limiter altogether.

**What may be kept.** A response is stored only when diaspora.responses found it shared (an anonymous
visitor, no CSRF token, no flash, no cookie set, no CSP nonce in the body, not private) *and* the request
itself was anonymous before Flask saw it: no remember-me cookie and a session cookie, if any, holding
nothing but a CSRF token (a logged-in user or a waiting flash never reaches the cache, nor fills it), and no
Authorization header.
Rate-limited answers (the API when limits are on) are never kept: each request must be counted.

**The key** is everything a shared page may follow: method (HEAD answered from GET), scheme, host, path
and query string, Accept-Language (the interface language and the order of content languages),
Accept-Encoding (Flask-Compress chose br, gzip or nothing from it) and every cookie but the session's (the
language switch, the country remembered by the contacts page).

**Invalidation.** Every entry carries the content version read *before* its page was rendered; a hit
needs the version to be the current one. The version moves after every commit of a connection that wrote
(INSERT, UPDATE, DELETE ... seen on the engine, whoever wrote: a request, the worker, a CLI command, a
test's fixture), when the connection goes back to the pool: after the commit, and before the writing
request returns. It lives in Redis when the rate limits' store is Redis (production: several processes,
perhaps several machines), else in a file of the instance folder that every process on the machine
shares (its size is the version: one byte appended per commit). Entries also expire after
PAGE_CACHE_SECONDS, and each process keeps at most PAGE_CACHE_MAX_BYTES of them."""
import hashlib
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.http import parse_cookie, parse_etags, unquote_etag

log = logging.getLogger("diaspora.page_cache")

SHARED = "diaspora.page_cache.shared"  # set in the WSGI environ by diaspora.responses on a shared response
# What an anonymous visitor's session may hold without making any page personal: a form's token (pages
# with a form are never shared anyway) and Flask's flag.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh"})  # _fresh: Flask-Login's mark
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|UPSERT|CREATE|DROP|ALTER|TRUNCATE|COPY)\b",
                    re.IGNORECASE)
WITH_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# The table a plain INSERT, UPDATE or DELETE writes to.
TABLE_WRITTEN = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# The machinery's own tables, which no shared page shows: the worker writes them all day (mail sent, jobs
# claimed, geocoder answers kept), and each of its commits would otherwise throw every page away.
QUIET_TABLES = frozenset({"outbox_messages", "outbox_attachments", "periodic_jobs", "geocode_cache", "alert_sent",
                          "alert_subscriptions", "telegram_link_codes", "telegram_links"})
NONCE = re.compile(r"\s*'nonce-[^']*'")
# Not sent again on a 304 (RFC 9110 15.4.5: the validators, Cache-Control, Vary and the like are).
NOT_ON_304 = frozenset({"content-length", "content-encoding", "content-type", "content-language"})
_DIRTY = "page_cache.dirty"  # on a pooled connection: it wrote, not yet committed
_COMMITTED = "page_cache.committed"  # it committed writes: the version moves when it goes back to the pool


# --- the content version --------------------------------------------------------------------------------

class FileVersion:
    """The version as the size of a file that every process on this machine appends a byte to."""

    LIMIT = 1 << 20  # then a fresh file (a new inode, so an old version never comes back)

    def __init__(self, path: Path):
        self.path = path
        self.broken = False
        path.parent.mkdir(parents=True, exist_ok=True)

    def current(self) -> tuple[int, int] | None:
        if self.broken:
            return None
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return (0, 0)
        except OSError:
            log.exception("Page cache: cannot read %s, serving uncached", self.path)
            return None
        return (found.st_ino, found.st_size)

    def bump(self) -> None:
        """Called after a commit: a failure here (a full disk, a file of another user) must not turn the
        committed write into an error. This process then trusts no cached page (the others keep theirs for at
        most PAGE_CACHE_SECONDS)."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b".")  # O_APPEND: atomic between processes
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > self.LIMIT:
                fresh = self.path.with_name(f"{self.path.name}.{os.getpid()}")
                fresh.write_bytes(b".")
                os.replace(fresh, self.path)
        except OSError:
            log.exception("Page cache: cannot move the content version in %s; serving uncached", self.path)
            self.broken = True


class RedisVersion:
    """The version as a Redis counter, for processes on several machines."""

    RETRY = 5  # seconds without asking Redis after it failed to answer

    def __init__(self, url: str, key: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = key
        self.down_until = 0.0

    def current(self) -> bytes | str | None:
        if time.monotonic() < self.down_until:
            return None  # not every request waiting for a timeout while Redis is down
        try:
            return self.client.get(self.key) or b"0"
        except Exception:  # Redis unreachable: no cached page can be trusted
            log.warning("Page cache: Redis unreachable, serving uncached for %d s", self.RETRY, exc_info=True)
            self.down_until = time.monotonic() + self.RETRY
            return None

    def bump(self) -> None:
        try:
            self.client.incr(self.key)
        except Exception:
            log.exception("Page cache: could not move the content version in Redis")


def _redis_url(storage_uri: str) -> str | None:
    if storage_uri.startswith(("redis://", "rediss://")):
        return storage_uri
    if storage_uri.startswith("redis+unix://"):
        return "unix://" + storage_uri[len("redis+unix://"):]
    return None


def version_store(app: Flask, database_url: str) -> FileVersion | RedisVersion:
    # one version per database: two sites (or two test runs) on one machine do not clear each other's pages
    name = "page-cache-" + hashlib.sha256(database_url.encode()).hexdigest()[:16]
    redis_url = _redis_url(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if redis_url:
        return RedisVersion(redis_url, f"{app.config.get('RATELIMIT_KEY_PREFIX', '')}{name}")
    return FileVersion(Path(app.instance_path) / f"{name}.version")


def watch_writes(engine, store) -> None:
    """Move the version after each commit of a connection of `engine` that wrote."""

    def mark(conn, cursor, statement, parameters, context, executemany):
        if WRITES.match(statement) or (statement.lstrip()[:4].upper() == "WITH" and WITH_WRITES.search(statement)):
            table = TABLE_WRITTEN.match(statement)
            if table is None or table.group(1).lower() not in QUIET_TABLES:
                conn.info[_DIRTY] = True

    def committed(conn):
        if conn.info.pop(_DIRTY, False):
            conn.info[_COMMITTED] = True

    def rolled_back(conn):
        conn.info.pop(_DIRTY, None)

    def returned(dbapi_connection, record):
        # after the commit (the connection is back in the pool): a reader that takes the new version
        # reads the new rows
        if record is not None and record.info.pop(_COMMITTED, False):
            store.bump()

    event.listen(engine, "before_cursor_execute", mark)
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    event.listen(engine.pool, "checkin", returned)


# --- the cache --------------------------------------------------------------------------------------------

class Entry:
    __slots__ = ("body", "etag", "headers", "status", "stored", "version")

    def __init__(self, version, status: str, headers: list[tuple[str, str]], body: bytes):
        self.version = version
        self.status = status
        self.headers = headers
        self.body = body
        self.stored = time.monotonic()
        self.etag = next((unquote_etag(v)[0] for k, v in headers if k.lower() == "etag"), None)


class PageCache:
    """The WSGI middleware: answers what it holds, keeps what the app says is shared."""

    def __init__(self, app: Flask, wsgi_app: Callable, store):
        self.app = app
        self.wsgi_app = wsgi_app
        self.store = store
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    # the request ----------------------------------------------------------------------------------------

    def key(self, environ: dict) -> tuple | None:
        """The request's key, or None when it may be personal (it then goes to Flask as usual)."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or not self.app.config.get("PAGE_CACHE", True):
            return None
        if environ.get("PATH_INFO", "").startswith(f"{self.app.static_url_path}/"):
            return None  # files: never shared pages, and Flask answers their conditions itself
        if "HTTP_AUTHORIZATION" in environ or "HTTP_RANGE" in environ:
            return None  # credentials of some kind, or a part of the body: Flask's to answer
        cookies = parse_cookie(environ)
        config = self.app.config
        if cookies.get(config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            return None  # Flask-Login would log this visitor in
        session_cookie = config["SESSION_COOKIE_NAME"]
        if cookies.get(session_cookie) and not self._anonymous_session(cookies[session_cookie]):
            return None
        others = tuple(sorted((k, v) for k, v in cookies.items(multi=True) if k != session_cookie))
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                environ.get("HTTP_ACCEPT_LANGUAGE", ""), environ.get("HTTP_ACCEPT_ENCODING", ""), others)

    def _anonymous_session(self, value: str) -> bool:
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        if serializer is None:
            return False
        try:
            data = serializer.loads(value, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except Exception:  # forged or expired: let Flask deal with it
            return False
        return isinstance(data, dict) and set(data) <= ANONYMOUS_SESSION_KEYS

    # the WSGI call ----------------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self.key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        version = self.store.current()
        if version is None:
            return self.wsgi_app(environ, start_response)
        entry = self._get(key, version)
        if entry is not None:
            return self._answer(entry, environ, start_response)
        if environ["REQUEST_METHOD"] != "GET":
            return self.wsgi_app(environ, start_response)
        return self._fill(key, version, environ, start_response)

    def _get(self, key: tuple, version) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if (entry.version != version
                    or time.monotonic() - entry.stored > self.app.config.get("PAGE_CACHE_SECONDS", 60)):
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def _answer(self, entry: Entry, environ: dict, start_response: Callable, hit: bool = True) -> Iterable[bytes]:
        headers = [*entry.headers, ("X-Cache", "hit")] if hit else entry.headers
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match and entry.etag and parse_etags(match).contains_weak(entry.etag):
            start_response("304 Not Modified", [(k, v) for k, v in headers if k.lower() not in NOT_ON_304])
            return []
        start_response(entry.status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]

    def _fill(self, key: tuple, version, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            return self._fill_conditional(key, version, environ, start_response)
        seen: dict[str, Any] = {}

        def keep_headers(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, keep_headers)
        if not environ.get(SHARED) or not seen.get("status", "").startswith("200"):
            return result
        headers = seen["headers"]
        if any(k.lower() == "set-cookie" or k.lower().startswith("x-ratelimit") for k, _ in headers):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        stored = [(k, NONCE.sub("", v) if k.lower() == "content-security-policy" else v)
                  for k, v in headers]
        self._put(key, Entry(version, seen["status"], stored, body))
        return [body]

    def _fill_conditional(self, key: tuple, version, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """A repeat visitor whose page this process does not hold: Flask would answer its If-None-Match with
        a bodiless 304, which cannot be kept, and every such visit would render again. So Flask is asked for
        the whole page (the conditions set aside), which is kept when it may be, and the visitor gets the 304
        (or the page) from it."""
        conditions = {name: environ.pop(name) for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
                      if name in environ}
        seen: dict[str, Any] = {}

        def hold(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None  # Flask never writes through it

        result = self.wsgi_app(environ, hold)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        environ.update(conditions)
        status, headers = seen["status"], seen["headers"]
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        entry = Entry(version, status, headers, body)
        if environ.get(SHARED) and not any(k.lower() == "set-cookie" or k.lower().startswith("x-ratelimit")
                                           for k, _ in headers):
            entry.headers = [(k, NONCE.sub("", v) if k.lower() == "content-security-policy" else v)
                             for k, v in headers]
            self._put(key, entry)
        return self._answer(entry, environ, start_response, hit=False)

    def _put(self, key: tuple, entry: Entry) -> None:
        limit = self.app.config.get("PAGE_CACHE_MAX_BYTES", 32 << 20)
        if len(entry.body) > limit // 8:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > limit:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple) -> None:
        self.size -= len(self.entries.pop(key).body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


def init_app(app: Flask) -> None:
    """Wrap the app (call it after the extensions, before ProxyFix) and watch its database for writes."""
    from diaspora.extensions import db

    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_SECONDS", 60)
    app.config.setdefault("PAGE_CACHE_MAX_BYTES", 32 << 20)
    with app.app_context():
        engine = db.engine
    store = version_store(app, engine.url.render_as_string(hide_password=False))
    watch_writes(engine, store)
    cache = PageCache(app, app.wsgi_app, store)
    app.extensions["page_cache"] = cache
    app.wsgi_app = cache  # type: ignore[method-assign]
