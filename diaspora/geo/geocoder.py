"""The site's geocoder: the offline gazetteer, optionally behind Nominatim.

With GEOCODER = "nominatim" we ask OpenStreetMap's Nominatim first, under its usage policy: an
identifying user agent, at most one request per second for the whole site (a shared rate-limit
storage, see RATELIMIT_STORAGE_URI) and every answer cached in `geocode_cache`. When Nominatim is
slow, down, busy or finds nothing, the gazetteer answers for cities. Callers never see a network error.

Time: one operation (a web request, or a `geocoding_budget()` block) spends at most GEOCODER_TIMEOUT
seconds on Nominatim, whatever it asks: waiting for the rate-limit slot, every call and any retry share
that budget; once it is spent the gazetteer answers. Without this a save that geocodes an address and then
its city paid a hung server's timeout once per call and once per retry of the HTTP library (~9.5 s for 3).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import os
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context
from geopy.exc import GeopyError
from geopy.location import Location
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from diaspora.database import utcnow
from diaspora.extensions import db
from diaspora.geo.gazetteer import Gazetteer
from diaspora.models import GeocodeCache
from diaspora.text import fold

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter

RATE_LIMIT = "1/second"  # Nominatim's policy for the whole site; NOMINATIM_RATE_LIMIT overrides it
RATE_KEY = "nominatim"
# Nominatim's place_rank: 16 city ... 20 hamlet/suburb; 26 street, 30 house. Finer than a
# settlement counts as an address.
ADDRESS_RANK = 21
SETTLEMENT_TYPES = frozenset({
    "city", "town", "village", "hamlet", "municipality", "locality", "isolated_dwelling", "suburb",
    "borough", "county", "state", "region", "province", "country", "administrative",
})

_UNAVAILABLE = object()  # Nominatim could not be asked (down, busy, disabled): not a "not found"

# Below this, a call is not worth starting: it could only time out.
MIN_CALL_SECONDS = 0.05


class Budget:
    """Seconds an operation may still spend on Nominatim (waiting for a slot, calls, retries)."""

    def __init__(self, seconds: float):
        self._remaining = float(seconds)
        self._since: float | None = None

    def left(self) -> float:
        spent = time.monotonic() - self._since if self._since is not None else 0.0
        return self._remaining - spent

    @contextlib.contextmanager
    def spending(self):
        self._since = time.monotonic()
        try:
            yield
        finally:
            self._remaining, self._since = self.left(), None


_operation_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("geocoding_budget", default=None)


@contextlib.contextmanager
def geocoding_budget(seconds: float | None = None):
    """Make the enclosed geocoding one operation with one time budget (e.g. each row of an import)."""
    budget = Budget(current_app.config["GEOCODER_TIMEOUT"] if seconds is None else seconds)
    token = _operation_budget.set(budget)
    try:
        yield budget
    finally:
        _operation_budget.reset(token)


_shared: dict[str, Gazetteer] = {}
_shared_lock = threading.Lock()


def shared_gazetteer(path: str | os.PathLike) -> Gazetteer:
    """One Gazetteer per index file and process (it holds per-thread connections)."""
    key = os.path.realpath(path)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Gazetteer(key)
        return _shared[key]


def _codes(country_codes) -> list[str]:
    if not country_codes:
        return []
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    return sorted({code.strip().upper() for code in country_codes if code and code.strip()})


def _cache_key(mode: str, query, codes: list[str]) -> str:
    if isinstance(query, dict):
        query = ";".join(f"{k}={fold(str(v))}" for k, v in sorted(query.items()) if v)
    key = f"{mode}|{','.join(codes)}|{fold(query)}"
    if len(key) > 400:  # the column's size; the hash keeps long keys distinct
        key = key[:359] + "#" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return key


# The cache table has no columns for the kind of match and the country, so they travel in front of
# the address: "address|KG|Чуй проспекти 1, Бишкек, Кыргызстан".
def _pack(location: Location) -> str:
    raw = location.raw
    return f"{raw.get('kind', 'address')}|{raw.get('country_code') or ''}|{location.address}"[:500]


def _unpack(row: GeocodeCache) -> Location:
    kind, country, address = "address", None, row.address or ""
    parts = address.split("|", 2)
    if len(parts) == 3 and parts[0] in ("address", "city"):
        kind, country, address = parts[0], parts[1] or None, parts[2]
    raw = {
        "source": "nominatim",
        "kind": kind,
        "country_code": country,
        "display_name": address,
        "lat": row.latitude,
        "lon": row.longitude,
        "cached": True,
    }
    return Location(address, (row.latitude, row.longitude), raw)


def _kind(raw: dict) -> str:
    rank = raw.get("place_rank")
    if rank is not None:
        try:
            return "address" if int(rank) >= ADDRESS_RANK else "city"
        except (TypeError, ValueError):
            pass
    return "city" if (raw.get("addresstype") or raw.get("type")) in SETTLEMENT_TYPES else "address"


class SiteGeocoder:
    """geopy-style geocoder for one app; reads its settings from app.config when used."""

    def __init__(self, app: Flask):
        self.app = app
        self._nominatim = None
        self._limiter: tuple[MovingWindowRateLimiter, RateLimitItem] | None = None
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time until which Nominatim is presumed down

    # --- parts, created on first use so the app factory stays cheap ---

    @property
    def gazetteer(self) -> Gazetteer:
        path = self.app.config.get("GAZETTEER_PATH") or os.path.join(self.app.instance_path, "gazetteer.sqlite")
        return shared_gazetteer(path)

    @property
    def online(self) -> bool:
        return self.app.config.get("GEOCODER", "offline") == "nominatim"

    def _nominatim_client(self):
        from geopy.adapters import RequestsAdapter
        from geopy.geocoders import Nominatim

        with self._lock:
            if self._nominatim is None:
                config = self.app.config
                # "nominatim.example" or, for one's own server, "http://127.0.0.1:8080"
                domain = config["NOMINATIM_DOMAIN"]
                parts = urlsplit(domain if "://" in domain else f"https://{domain}")
                self._nominatim = Nominatim(
                    user_agent=config["NOMINATIM_USER_AGENT"],
                    domain=parts.netloc,
                    scheme=parts.scheme,
                    timeout=config["GEOCODER_TIMEOUT"],
                    # No retries inside the HTTP library: each one would wait a whole timeout again,
                    # outside the operation's budget.
                    adapter_factory=functools.partial(RequestsAdapter, max_retries=0),
                )
            return self._nominatim

    def _budget(self) -> Budget:
        """The current operation's budget: an explicit `geocoding_budget()`, else the web request's, else
        (a command's single lookup) a fresh one."""
        budget = _operation_budget.get()
        if budget is not None:
            return budget
        if has_request_context():
            if "geocoding_budget" not in g:
                g.geocoding_budget = Budget(self.app.config["GEOCODER_TIMEOUT"])
            return g.geocoding_budget
        return Budget(self.app.config["GEOCODER_TIMEOUT"])

    def _rate_limiter(self):
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        with self._lock:
            if self._limiter is None:
                storage = storage_from_string(self.app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
                limit = parse(self.app.config.get("NOMINATIM_RATE_LIMIT") or RATE_LIMIT)
                self._limiter = (MovingWindowRateLimiter(storage), limit)
            return self._limiter

    def _request_slot(self, budget: Budget) -> bool:
        """Wait (briefly, within the budget) for our one request per second; False if none came in time."""
        try:
            limiter, limit = self._rate_limiter()
            wait = min(float(self.app.config.get("NOMINATIM_RATE_WAIT", 1.0)), budget.left() - MIN_CALL_SECONDS)
            deadline = time.monotonic() + max(wait, 0)
            while not limiter.hit(limit, RATE_KEY):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                reset = limiter.get_window_stats(limit, RATE_KEY).reset_time - time.time()
                time.sleep(min(remaining, max(reset, 0.01)))
            return True
        except Exception:  # the shared storage (e.g. Redis) is down: not worth failing a page for
            self.app.logger.warning("Geocoder rate-limit storage unavailable", exc_info=True)
            return False

    # --- the online path ---

    def _ask_nominatim(self, mode: str, query, codes: list[str], timeout):
        """A Location, None (Nominatim found nothing) or _UNAVAILABLE; answers come from and go to the cache."""
        key = _cache_key(mode, query, codes)
        with db.session.no_autoflush:  # the caller's half-built objects are not ours to flush
            row = db.session.scalar(select(GeocodeCache).where(GeocodeCache.query_key == key))
        if row is not None and not self._stale(row):
            return self._from_row(row)
        budget = self._budget()
        if time.monotonic() < self._down_until or budget.left() < MIN_CALL_SECONDS:
            return self._from_row(row) if row is not None else _UNAVAILABLE
        try:
            with budget.spending():
                if not self._request_slot(budget) or budget.left() < MIN_CALL_SECONDS:
                    return self._from_row(row) if row is not None else _UNAVAILABLE
                found = self._nominatim_client().geocode(
                    query,
                    exactly_one=True,
                    addressdetails=True,
                    country_codes=codes or None,
                    timeout=min(timeout or budget.left(), budget.left()),
                )
        except (GeopyError, OSError) as error:
            # Stop asking for a while, so one dead server does not cost every page its timeout.
            self._down_until = time.monotonic() + float(self.app.config.get("NOMINATIM_RETRY_AFTER", 60))
            self.app.logger.warning("Nominatim failed (%s: %s); using the gazetteer", type(error).__name__, error)
            return self._from_row(row) if row is not None else _UNAVAILABLE
        location = self._location(found) if found is not None else None
        if location is not None and mode == "address" and location.raw["kind"] != "address":
            location = None  # only the city matched: the caller puts the pin at the city centre
        self._store(key, row, location)
        return location

    @staticmethod
    def _from_row(row: GeocodeCache):
        return _unpack(row) if row.found else None

    def _stale(self, row: GeocodeCache) -> bool:
        days = self.app.config.get("GEOCODE_CACHE_DAYS", 180)
        if not days or row.created_at is None:
            return False
        return (time.time() - row.created_at.timestamp()) > days * 86400

    @staticmethod
    def _location(found: Location) -> Location:
        raw = dict(found.raw or {})
        country = (raw.get("address") or {}).get("country_code")
        raw.update(source="nominatim", kind=_kind(raw), country_code=country.upper() if country else None)
        return Location(found.address, (found.latitude, found.longitude), raw)

    @staticmethod
    def _store(key: str, row: GeocodeCache | None, location: Location | None) -> None:
        """Save the answer in its own short transaction, so it is kept even when the request that asked
        (a GET search) never commits. A failure to cache costs a later request, never this one."""
        values = {
            "found": location is not None,
            "latitude": location.latitude if location else None,
            "longitude": location.longitude if location else None,
            "address": _pack(location) if location else None,
            "created_at": utcnow(),
        }
        table = GeocodeCache.__table__
        try:
            with db.engine.begin() as conn:
                updated = conn.execute(table.update().where(table.c.query_key == key).values(**values)).rowcount
                if not updated:
                    conn.execute(table.insert().values(query_key=key, **values))
        except IntegrityError:
            pass  # another request cached the same query first; its answer is as good as ours
        except SQLAlchemyError:
            current_app.logger.warning("Could not cache the geocoder's answer for %s", key, exc_info=True)

    # --- the public, geopy-style interface ---

    def geocode(self, query, *, exactly_one=True, country_codes=None, timeout=None):
        """A place from free text ("Osh, Kyrgyzstan"), restricted to `country_codes` if given."""
        if isinstance(query, str):
            query = query.strip()
        if not query:
            return None
        codes = _codes(country_codes)
        if self.online:
            location = self._ask_nominatim("any", query, codes, timeout)
            if location is not None and location is not _UNAVAILABLE:
                return location if exactly_one else [location]
        return self.gazetteer.geocode(query, exactly_one=exactly_one, country_codes=codes or None)

    def geocode_city(self, city: str | None, country: str | None = None) -> Location | None:
        """A city's centre. `country` (ISO code or a name) restricts the search when we recognise it."""
        city = (city or "").strip()
        if not city:
            return None
        code = self.gazetteer.country_code(country) if country else None
        codes = [code] if code else []
        if self.online:
            location = self._ask_nominatim("city", {"city": city}, codes, None)
            if location is not None and location is not _UNAVAILABLE:
                location.raw["kind"] = "city"
                return location
        return self.gazetteer.geocode(city, country_codes=codes or None)

    def geocode_address(self, address: str | None, city: str | None, country: str | None) -> Location | None:
        """A street address, found online only; None means "use the city centre"."""
        address, city = (address or "").strip(), (city or "").strip()
        if not self.online or not address:
            return None
        code = self.gazetteer.country_code(country) if country else None
        query = {"street": address, "city": city, "country": None if code else country}
        query = {k: v.strip() for k, v in query.items() if v and v.strip()}
        location = self._ask_nominatim("address", query, [code] if code else [], None)
        return None if location is _UNAVAILABLE else location


def init_app(app: Flask) -> None:
    """Register the geocoder; nothing is read or built until the first query."""
    app.extensions["geocoder"] = SiteGeocoder(app)
    if app.config.get("GEOCODER") == "nominatim":
        # Nominatim's usage policy: an agent that says who we are, one request a second for the whole site.
        if "set NOMINATIM_USER_AGENT" in app.config.get("NOMINATIM_USER_AGENT", ""):
            app.logger.warning("GEOCODER=nominatim with the default user agent: set NOMINATIM_USER_AGENT to "
                               "name this site and a contact, as Nominatim's policy asks.")
        if app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
            app.logger.warning("GEOCODER=nominatim with RATELIMIT_STORAGE_URI=memory://: each worker process "
                               "counts its own requests; use redis:// so the site stays at 1 request/s.")


def get_geocoder() -> SiteGeocoder:
    return current_app.extensions["geocoder"]


def geocode_city(city: str | None, country: str | None = None) -> Location | None:
    return get_geocoder().geocode_city(city, country)


def geocode_address(address: str | None, city: str | None, country: str | None) -> Location | None:
    return get_geocoder().geocode_address(address, city, country)


def geocode_place(query: str | None, prefer_country: str | None = None) -> Location | None:
    """A place to search near: in the preferred country if there is one of that name, else anywhere."""
    return (prefer_country and geocode_city(query, prefer_country)) or geocode_city(query)
