"""The geocoder: the real offline gazetteer, and Nominatim with only the network faked."""
import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.geocoders import Nominatim
from geopy.location import Location
from sqlalchemy import func, select

from diaspora.geo import gazetteer as gazetteer_module
from diaspora.geo.distance import haversine_km
from diaspora.geo.gazetteer import Gazetteer, ensure_gazetteer, normalise

# The file `make run` builds; built once here if missing (a few seconds).
GAZ_PATH = Path(__file__).resolve().parents[1] / "instance" / "gazetteer.sqlite"

MOSCOW = (55.7558, 37.6173)
BISHKEK = (42.8746, 74.5698)
OSH = (40.5140, 72.8161)
ALMATY = (43.2220, 76.8512)
ST_PETERSBURG = (59.9311, 30.3609)
YEKATERINBURG = (56.8389, 60.6057)
SEOUL = (37.5665, 126.9780)
ISTANBUL = (41.0082, 28.9784)
NEW_YORK = (40.7128, -74.0060)
COLOGNE = (50.9375, 6.9603)
PARIS = (48.8566, 2.3522)
MOSCOW_IDAHO = (46.7324, -117.0002)


@pytest.fixture(scope="module")
def gazetteer():
    ensure_gazetteer(GAZ_PATH)
    gaz = Gazetteer(GAZ_PATH)
    yield gaz
    gaz.close()


def assert_near(location, country, point, km=30):
    assert location is not None
    assert location.raw["country_code"] == country
    assert haversine_km(location.latitude, location.longitude, *point) < km


# --- the offline gazetteer -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "query, country, point",
    [
        ("Москва", "RU", MOSCOW),
        ("Moscow", "RU", MOSCOW),
        ("Moskva", "RU", MOSCOW),
        ("Бишкек", "KG", BISHKEK),
        ("Bishkek", "KG", BISHKEK),
        ("Ош", "KG", OSH),
        ("Osh", "KG", OSH),
        ("Алматы", "KZ", ALMATY),
        ("Almaty", "KZ", ALMATY),
        ("Alma-Ata", "KZ", ALMATY),
        ("Алма-Ата", "KZ", ALMATY),
        ("Санкт-Петербург", "RU", ST_PETERSBURG),
        ("Saint Petersburg", "RU", ST_PETERSBURG),
        ("St Petersburg", "RU", ST_PETERSBURG),
        ("St. Petersburg", "RU", ST_PETERSBURG),
        ("Екатеринбург", "RU", YEKATERINBURG),
        ("Сеул", "KR", SEOUL),
        ("Seoul", "KR", SEOUL),
        ("Istanbul", "TR", ISTANBUL),
        ("Стамбул", "TR", ISTANBUL),
        ("Нью-Йорк", "US", NEW_YORK),
        ("New York", "US", NEW_YORK),
    ],
)
def test_name_variants(gazetteer, query, country, point):
    assert_near(gazetteer.geocode(query), country, point)


@pytest.mark.parametrize("query", ["Köln", "koln", "KÖLN", "Koeln", "Cologne", "Кёльн", "Кельн"])
def test_case_and_accent_insensitive(gazetteer, query):
    assert_near(gazetteer.geocode(query), "DE", COLOGNE)


@pytest.mark.parametrize("query", ["  москва ", "МОСКВА", "moscow", "Moscow!"])
def test_spacing_case_and_punctuation(gazetteer, query):
    assert_near(gazetteer.geocode(query), "RU", MOSCOW)


def test_whole_names_only(gazetteer):
    assert gazetteer.geocode("Köln").raw["name"] != "Kolín"
    assert gazetteer.geocode("Kolín").raw["country_code"] == "CZ"
    for fragment in ("Mosc", "Bishke", "Петер", "Alma", "Нью"):
        location = gazetteer.geocode(fragment)
        assert location is None or location.raw["geonameid"] not in (524901, 1528675, 1526384, 5128581)
    assert gazetteer.geocode("York").raw["country_code"] == "GB"  # York, not New York


def test_larger_city_preferred(gazetteer):
    assert_near(gazetteer.geocode("Moscow"), "RU", MOSCOW)
    assert_near(gazetteer.geocode("Paris"), "FR", PARIS)
    candidates = gazetteer.geocode("Moscow", exactly_one=False)
    assert len(candidates) > 1
    populations = [c.raw["population"] for c in candidates if c.raw["name"] == "Moscow"]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize("codes", ["US", "us", ["US"], ("CA", "US")])
def test_country_codes_restrict(gazetteer, codes):
    assert_near(gazetteer.geocode("Moscow", country_codes=codes), "US", MOSCOW_IDAHO)


def test_country_restriction_excludes_other_countries(gazetteer):
    assert gazetteer.geocode("Москва", country_codes="KG") is None
    assert gazetteer.geocode("Osh, Kyrgyzstan", country_codes=["RU"]) is None
    found = gazetteer.geocode("Moscow", exactly_one=False, country_codes="US")
    assert all(loc.raw["country_code"] == "US" for loc in found)


@pytest.mark.parametrize(
    "query, country, point",
    [
        ("Osh, Kyrgyzstan", "KG", OSH),
        ("Ош, Кыргызстан", "KG", OSH),
        ("Ош, Киргизия", "KG", OSH),
        ("Osh, KG", "KG", OSH),
        ("Osh, KGZ", "KG", OSH),
        ("Paris, France", "FR", PARIS),
        ("Париж, Франция", "FR", PARIS),
        ("Moscow, United States", "US", MOSCOW_IDAHO),
        ("Moscow, Idaho, USA", "US", MOSCOW_IDAHO),
        ("Бишкек, Кыргызстан", "KG", BISHKEK),
    ],
)
def test_city_country_form(gazetteer, query, country, point):
    assert_near(gazetteer.geocode(query), country, point)


def test_structured_query(gazetteer):
    assert_near(gazetteer.geocode({"city": "Ош", "country": "Кыргызстан"}), "KG", OSH)


@pytest.mark.parametrize("query", ["", "   ", ",", "Xyzzyqwerty", "Moscow, Idaho", "Ош, Нарния", "x" * 1000, None])
def test_not_found(gazetteer, query):
    assert gazetteer.geocode(query) is None
    assert gazetteer.geocode(query, exactly_one=False) is None


def test_location_shape(gazetteer):
    location = gazetteer.geocode("Ош")
    assert isinstance(location, Location)
    assert location.address == "Osh, KG"
    assert location.raw["source"] == "gazetteer"
    assert location.raw["kind"] == "city"
    assert location.raw["name"] == "Osh"
    assert location.raw["country_code"] == "KG"
    assert location.raw["population"] > 100_000
    assert isinstance(location.raw["geonameid"], int)


@pytest.mark.parametrize("name, code", [("Kyrgyzstan", "KG"), ("Кыргызстан", "KG"), ("Киргизия", "KG"),
                                        ("kg", "KG"), ("Россия", "RU"), ("США", "US"), ("Germany", "DE"),
                                        ("Германия", "DE"), ("Нарния", None), ("", None)])
def test_country_names(gazetteer, name, code):
    assert gazetteer.country_code(name) == code


def test_normalise():
    assert normalise("  Köln ") == normalise("KOLN") == "koln"
    assert normalise("Ёлка") == normalise("елка")
    assert normalise("St.-Petersburg") == "st petersburg"
    assert normalise("O'sh") == normalise("Oʻsh") == "osh"
    assert normalise("Өш") == normalise("Ош")
    assert normalise("Kolín") != normalise("Köln")


def test_index_is_read_only_and_versioned(gazetteer):
    gazetteer.geocode("Osh")
    conn = gazetteer._connection()
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM cities")
    assert conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0] == gazetteer_module._version()


def test_one_connection_per_thread(gazetteer):
    gazetteer.geocode("Osh")
    results = {}
    together = threading.Barrier(4)

    def work(name):
        together.wait(timeout=30)  # all four threads alive at once, each with its own connection
        # the connection object itself is kept (not its id(), which a later object may reuse once it is freed)
        results[name] = (gazetteer.geocode("Бишкек").raw["country_code"], gazetteer._connection())
        together.wait(timeout=30)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r[0] for r in results.values()} == {"KG"}
    connections = [r[1] for r in results.values()] + [gazetteer._connection()]
    assert all(a is not b for i, a in enumerate(connections) for b in connections[i + 1:])


# --- building the index --------------------------------------------------------------------------

def test_ensure_gazetteer_is_current(gazetteer):
    assert ensure_gazetteer(GAZ_PATH) is False


@pytest.fixture
def fake_build(monkeypatch):
    """Replace the slow build (the real one runs for the module fixture) with a tiny valid file."""
    calls = []

    def build(path):
        calls.append(path)
        time.sleep(0.2)  # long enough for a second process to arrive while we hold the lock
        tmp = Path(str(path) + ".tmp")
        conn = sqlite3.connect(tmp)
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('version', ?)", (gazetteer_module._version(),))
        conn.commit()
        conn.close()
        tmp.replace(path)

    monkeypatch.setattr(gazetteer_module, "_build_in_child", build)
    return calls


def test_ensure_builds_when_missing_outdated_or_forced(tmp_path, fake_build):
    path = tmp_path / "sub" / "gaz.sqlite"
    assert ensure_gazetteer(path) is True
    assert ensure_gazetteer(path) is False
    assert ensure_gazetteer(path, force=True) is True
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = 'old'")
    conn.commit()
    conn.close()
    assert ensure_gazetteer(path) is True
    path.write_bytes(b"not a database")
    assert ensure_gazetteer(path) is True
    assert len(fake_build) == 4


def test_concurrent_starts_build_once(tmp_path, fake_build):
    path = tmp_path / "gaz.sqlite"
    results = []
    threads = [threading.Thread(target=lambda: results.append(ensure_gazetteer(path))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert len(fake_build) == 1


def test_gazetteer_builds_lazily(tmp_path, fake_build):
    path = tmp_path / "lazy.sqlite"
    gaz = Gazetteer(path)
    assert not path.exists()  # constructing it reads nothing
    with pytest.raises(sqlite3.OperationalError):  # the fake index has no cities table
        gaz.geocode("Osh")
    assert fake_build == [path.resolve()]


def test_init_app_is_cheap(tmp_path):
    from diaspora.geo.geocoder import SiteGeocoder, init_app

    app = Flask(__name__)
    app.config["GAZETTEER_PATH"] = str(tmp_path / "never.sqlite")
    init_app(app)
    assert isinstance(app.extensions["geocoder"], SiteGeocoder)
    assert not (tmp_path / "never.sqlite").exists()


# --- the site geocoder, offline and with Nominatim -----------------------------------------------

class FakeNominatim:
    """Stands in for Nominatim.geocode: records calls, then answers, finds nothing, or fails."""

    def __init__(self):
        self.calls = []
        self.answer = None
        self.error = None

    def __call__(self, query, **kwargs):
        self.calls.append((query, kwargs))
        if self.error is not None:
            raise self.error
        return self.answer

    @staticmethod
    def location(lat, lng, display, country="kg", place_rank=30, addresstype="building"):
        raw = {"lat": str(lat), "lon": str(lng), "display_name": display, "place_rank": place_rank,
               "addresstype": addresstype, "address": {"country_code": country}}
        return Location(display, (lat, lng), raw)


@pytest.fixture
def offline(app, gazetteer):
    app.config.update(GEOCODER="offline", GAZETTEER_PATH=str(GAZ_PATH))
    with app.app_context():
        yield


@pytest.fixture
def nominatim(app, gazetteer, monkeypatch):
    app.config.update(
        GEOCODER="nominatim",
        GAZETTEER_PATH=str(GAZ_PATH),
        NOMINATIM_USER_AGENT="diaspora-tests/1.0 (tests@example.org)",
        NOMINATIM_DOMAIN="nominatim.invalid",
        GEOCODER_TIMEOUT=2,
        RATELIMIT_STORAGE_URI="memory://",
        # No rate limit unless a test is about it (tests ask several distinct queries in a second).
        NOMINATIM_RATE_LIMIT="1000/second",
        NOMINATIM_RATE_WAIT=0,
    )
    fake = FakeNominatim()
    monkeypatch.setattr(Nominatim, "geocode", fake)
    with app.app_context():
        yield fake


def cache_rows():
    from diaspora.extensions import db
    from diaspora.models import GeocodeCache

    db.session.expire_all()  # the cache is written on its own connection
    return db.session.scalars(select(GeocodeCache)).all()


def test_get_geocoder_offline(offline):
    from diaspora.geo.geocoder import geocode_address, geocode_city, get_geocoder

    geocoder = get_geocoder()
    assert_near(geocoder.geocode("Ош, Кыргызстан"), "KG", OSH)
    assert geocoder.geocode("Osh", exactly_one=False)[0].raw["source"] == "gazetteer"
    assert_near(geocode_city("Бишкек", "KG"), "KG", BISHKEK)
    assert_near(geocode_city("Moscow", "US"), "US", MOSCOW_IDAHO)
    assert_near(geocode_city("Moscow"), "RU", MOSCOW)
    assert_near(geocode_city("Ош", "Кыргызстан"), "KG", OSH)
    assert geocode_city("Москва", "KG") is None
    assert geocode_city("") is None
    assert geocode_city(None) is None
    assert geocoder.geocode("") is None
    # Street addresses need the online geocoder; the caller falls back to the city centre.
    assert geocode_address("Чуй проспекти 1", "Бишкек", "KG") is None


def test_nominatim_answers_first_and_is_cached(nominatim):
    from diaspora.geo.geocoder import geocode_address, get_geocoder

    nominatim.answer = FakeNominatim.location(42.8765, 74.6033, "1, Chui Avenue, Bishkek, Kyrgyzstan")
    location = geocode_address("Chui Avenue 1", "Bishkek", "KG")
    assert location.raw["source"] == "nominatim"
    assert location.raw["kind"] == "address"
    assert location.raw["country_code"] == "KG"
    assert (location.latitude, location.longitude) == (42.8765, 74.6033)
    query, kwargs = nominatim.calls[0]
    assert query == {"street": "Chui Avenue 1", "city": "Bishkek"}
    assert kwargs["country_codes"] == ["KG"] and kwargs["addressdetails"] is True
    assert get_geocoder()._nominatim_client().headers["User-Agent"] == "diaspora-tests/1.0 (tests@example.org)"

    again = geocode_address("chui avenue 1", "BISHKEK", "kg")  # same query, folded
    assert len(nominatim.calls) == 1
    assert (again.latitude, again.longitude) == (42.8765, 74.6033)
    assert again.raw["source"] == "nominatim"
    assert again.raw["kind"] == "address"
    assert again.raw["country_code"] == "KG"
    assert len(cache_rows()) == 1


def test_free_text_query_online(nominatim):
    from diaspora.geo.geocoder import get_geocoder

    nominatim.answer = FakeNominatim.location(40.5283, 72.7985, "Osh, Kyrgyzstan", place_rank=16, addresstype="city")
    location = get_geocoder().geocode("Osh, Kyrgyzstan", country_codes="kg")
    assert location.raw["source"] == "nominatim" and location.raw["kind"] == "city"
    assert nominatim.calls[0][1]["country_codes"] == ["KG"]
    assert get_geocoder().geocode("osh,  kyrgyzstan", country_codes=["KG"], exactly_one=False)[0].raw["kind"] == "city"
    assert len(nominatim.calls) == 1


def test_not_found_is_cached_and_gazetteer_answers(nominatim):
    from diaspora.geo.geocoder import geocode_city, get_geocoder

    nominatim.answer = None
    assert_near(geocode_city("Ош", "KG"), "KG", OSH)  # Nominatim found nothing: the gazetteer did
    assert geocode_city("Ош", "KG").raw["source"] == "gazetteer"
    assert get_geocoder().geocode("Xyzzyqwerty") is None
    assert get_geocoder().geocode("Xyzzyqwerty") is None
    assert len(nominatim.calls) == 2  # each distinct query asked once
    assert [row.found for row in cache_rows()] == [False, False]


def test_city_level_answer_is_not_an_address(nominatim):
    from diaspora.geo.geocoder import geocode_address

    nominatim.answer = FakeNominatim.location(42.87, 74.59, "Bishkek, Kyrgyzstan", place_rank=16, addresstype="city")
    assert geocode_address("No Such Street 99", "Bishkek", "KG") is None
    assert geocode_address("No Such Street 99", "Bishkek", "KG") is None
    assert len(nominatim.calls) == 1
    assert [row.found for row in cache_rows()] == [False]


@pytest.mark.parametrize("error", [GeocoderTimedOut("timed out"), GeocoderUnavailable("503"), OSError("network down")])
def test_failure_falls_back_to_gazetteer(nominatim, error):
    from diaspora.geo.geocoder import geocode_address, geocode_city, get_geocoder

    nominatim.error = error
    location = geocode_city("Бишкек", "KG")
    assert_near(location, "KG", BISHKEK)
    assert location.raw["source"] == "gazetteer"
    assert_near(get_geocoder().geocode("Osh"), "KG", OSH)
    assert geocode_address("Chui Avenue 1", "Bishkek", "KG") is None
    # After a failure we stop asking for a while, so a dead server does not slow every page.
    assert len(nominatim.calls) == 1
    assert cache_rows() == []  # a failure is not a "not found"


def test_rate_limit_falls_back_instead_of_waiting(app, nominatim, monkeypatch):
    from diaspora.geo import geocoder
    from diaspora.geo.geocoder import get_geocoder

    app.config["NOMINATIM_RATE_LIMIT"] = None  # the policy's default: 1 per second

    nominatim.answer = FakeNominatim.location(55.75, 37.62, "Moscow, Russia", place_rank=16, addresstype="city")
    assert get_geocoder().geocode("Moscow").raw["source"] == "nominatim"
    waits: list[float] = []
    monkeypatch.setattr(geocoder, "time", SimpleNamespace(monotonic=time.monotonic, time=time.time,
                                                          sleep=waits.append))
    second = get_geocoder().geocode("Бишкек")  # within the same second: no slot, no waiting
    assert waits == []
    assert second.raw["source"] == "gazetteer"
    assert len(nominatim.calls) == 1
    assert len(cache_rows()) == 1  # the refused query is not cached as "not found"


def test_rate_limit_waits_for_the_next_second(app, nominatim):
    from diaspora.geo.geocoder import get_geocoder

    app.config.update(NOMINATIM_RATE_LIMIT=None, NOMINATIM_RATE_WAIT=1.5)
    nominatim.answer = FakeNominatim.location(55.75, 37.62, "Moscow, Russia", place_rank=16, addresstype="city")
    get_geocoder().geocode("Moscow")
    # the limit is one a second: the second call could only be made by waiting for the next slot
    assert get_geocoder().geocode("Moskva").raw["source"] == "nominatim"
    assert len(nominatim.calls) == 2


def test_rate_limit_is_shared_through_the_storage(app, nominatim, monkeypatch):
    from limits.strategies import MovingWindowRateLimiter

    from diaspora.geo.geocoder import RATE_KEY, get_geocoder

    app.config["NOMINATIM_RATE_LIMIT"] = None
    hits = []
    original = MovingWindowRateLimiter.hit

    def hit(self, item, *identifiers, **kwargs):
        hits.append((str(item), identifiers))
        return original(self, item, *identifiers, **kwargs)

    monkeypatch.setattr(MovingWindowRateLimiter, "hit", hit)
    get_geocoder().geocode("Somewhere")
    assert hits == [("1 per 1 second", (RATE_KEY,))]
    assert len(nominatim.calls) == 1


def test_stale_cache_is_refreshed_but_used_when_nominatim_fails(nominatim):
    from datetime import timedelta

    from diaspora.database import utcnow
    from diaspora.extensions import db
    from diaspora.geo.geocoder import get_geocoder

    nominatim.answer = FakeNominatim.location(40.53, 72.80, "Osh, Kyrgyzstan", place_rank=16, addresstype="city")
    get_geocoder().geocode("Osh")
    (row,) = cache_rows()
    row.created_at = utcnow() - timedelta(days=365)
    db.session.commit()
    nominatim.answer, nominatim.error = None, GeocoderUnavailable("down")
    assert get_geocoder().geocode("Osh").address == "Osh, Kyrgyzstan"  # stale beats nothing
    assert len(nominatim.calls) == 2
    nominatim.error = None
    get_geocoder()._down_until = 0
    assert get_geocoder().geocode("Osh").raw["source"] == "gazetteer"  # Nominatim now finds nothing
    assert [r.found for r in cache_rows()] == [False]
    assert len(nominatim.calls) == 3


def test_cache_is_kept_when_the_request_does_not_commit(nominatim):
    from diaspora.extensions import db
    from diaspora.geo.geocoder import get_geocoder

    nominatim.answer = FakeNominatim.location(40.53, 72.80, "Osh, Kyrgyzstan", place_rank=16, addresstype="city")
    get_geocoder().geocode("Osh")
    db.session.rollback()  # a GET search never commits
    assert [r.found for r in cache_rows()] == [True]


def test_cache_insert_race_does_not_crash(nominatim):
    from diaspora.extensions import db
    from diaspora.geo.geocoder import get_geocoder

    geocoder = get_geocoder()
    location = FakeNominatim.location(1.0, 2.0, "Somewhere")
    location.raw.update(kind="address", country_code="KG")
    geocoder._store("any||somewhere", None, location)
    geocoder._store("any||somewhere", None, location)  # a second request that looked before the first stored
    rows = cache_rows()
    assert len(rows) == 1 and rows[0].found is True
    assert db.session.scalar(select(func.count()).select_from(type(rows[0]))) == 1


def test_build_gazetteer_command(app):
    app.config["GAZETTEER_PATH"] = str(GAZ_PATH)
    ensure_gazetteer(GAZ_PATH)
    result = app.test_cli_runner().invoke(args=["build-gazetteer"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


# --- one time budget per operation, against a Nominatim that hangs ----------------------------------

@pytest.fixture
def hung_nominatim(app, gazetteer):
    """A real HTTP port that accepts every connection, reads the request and never answers; the app asks
    it as its Nominatim, with a one-second budget per operation. Yields the request lines it saw."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    seen, held, stop = [], [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:  # the poll's timeout, or the socket closed at the end
                continue
            held.append(conn)  # kept open and silent until the test ends
            conn.settimeout(10)
            try:
                request = conn.recv(65536)
            except OSError:
                continue
            if request:
                seen.append(request.split(b"\r\n", 1)[0].decode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    app.config.update(
        GEOCODER="nominatim",
        GAZETTEER_PATH=str(GAZ_PATH),
        NOMINATIM_DOMAIN=f"http://127.0.0.1:{listener.getsockname()[1]}",
        NOMINATIM_USER_AGENT="diaspora-tests/1.0 (tests@example.org)",
        GEOCODER_TIMEOUT=1,
        NOMINATIM_RETRY_AFTER=0,  # no "presumed down" pause: the budget alone must stop the second call
        NOMINATIM_RATE_LIMIT="1000/second",
        NOMINATIM_RATE_WAIT=0,
    )
    yield seen
    stop.set()
    listener.close()
    for conn in held:
        conn.close()
    thread.join(timeout=5)


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_save_spends_one_budget_then_the_gazetteer_answers(hung_nominatim, client, make_user, login, db_query):
    """The association form geocodes the street address, then the city: both share one budget, so a hung
    Nominatim is asked once (no retries inside the HTTP library either) and the pin goes to the city centre."""
    from diaspora.models import Organization
    from tests.test_directory import FORM

    login(make_user())
    response = client.post("/organizations/new", data={**FORM, "address": "Ленина 1", "city": "Екатеринбург"})
    assert response.status_code == 302, response.get_data(as_text=True)
    org = db_query(lambda db: db.session.scalar(select(Organization)))
    assert org.location_source == "city"
    assert haversine_km(org.latitude, org.longitude, *YEKATERINBURG) < 30
    assert wait_for(lambda: len(hung_nominatim) >= 1)
    assert len(hung_nominatim) == 1, hung_nominatim
    assert hung_nominatim[0].startswith("GET /search?")


def test_an_event_form_spends_one_budget(hung_nominatim, client, make_user, make_org, login, db_query):
    from diaspora.models import Event

    owner = make_user()
    org_id = make_org(name="Ала-Тоо", owner=owner)
    login(owner)
    response = client.post("/events/new", data={
        "title_ky": "Курултай", "organization_id": str(org_id), "timezone": "Asia/Bishkek",
        "starts_at": "2027-06-15T09:00", "ends_at": "2027-06-16T18:00", "venue_name_ky": "Ала-Арча",
        "venue_address_ky": "Чүй проспекти 1", "city": "Бишкек", "country": "KG", "capacity": "500"})
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db_query(lambda db: db.session.scalar(select(Event)))
    assert haversine_km(event.latitude, event.longitude, *BISHKEK) < 30
    assert wait_for(lambda: len(hung_nominatim) >= 1)
    assert len(hung_nominatim) == 1, hung_nominatim


def test_an_explicit_budget_covers_several_lookups(hung_nominatim, app):
    """Outside a web request (a command), `geocoding_budget()` makes one operation of several lookups."""
    from diaspora.geo.geocoder import geocode_address, geocode_city, geocoding_budget

    with app.app_context(), geocoding_budget():
        assert geocode_address("Чүй проспекти 1", "Бишкек", "KG") is None
        assert_near(geocode_city("Ош", "KG"), "KG", OSH)
        assert_near(geocode_city("Бишкек", "KG"), "KG", BISHKEK)
    assert wait_for(lambda: len(hung_nominatim) >= 1)
    assert len(hung_nominatim) == 1, hung_nominatim
