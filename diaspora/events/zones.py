"""Time zones as people read them: a short menu of the zones where compatriots live, named in the reader's
language ("Бишкек, Кыргызстан (UTC+6)"), and any other IANA zone typed by name and checked.

Babel's zone names are not used as they are: CLDR's Russian names for zones without daylight saving read
"Киргизия, летнее время" (summer time) for Bishkek, so a label is built from the city and the country, which
CLDR names well in every language, and the offset from UTC at the moment that matters."""
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError
from babel.dates import get_global, get_timezone_location

from diaspora.database import utcnow

# Where compatriots live and meet: Kyrgyzstan and its neighbours, Russia from west to east, then the
# countries people work in (Turkey, Korea, the Gulf, Europe, North America).
CURATED = (
    "Asia/Bishkek", "Asia/Almaty", "Asia/Aqtau", "Asia/Tashkent", "Asia/Dushanbe", "Asia/Shanghai",
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk",
    "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka",
    "Europe/Istanbul", "Asia/Seoul", "Asia/Tokyo", "Asia/Dubai", "Asia/Riyadh",
    "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Rome", "Europe/Madrid", "Europe/Warsaw",
    "Europe/Prague", "Europe/Helsinki",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "UTC",
)
OTHER = "other"


@lru_cache(maxsize=1)
def _all_zones() -> dict[str, str]:
    """Every IANA zone, by its name folded to lower case (people type "asia/bishkek" too)."""
    return {name.lower(): name for name in available_timezones() if not name.startswith(("SystemV/", "posix/",
                                                                                          "right/"))}


def canonical(name: str | None) -> str | None:
    """The IANA zone typed (any letter case, spaces for underscores), or None when there is no such zone."""
    if not name or len(name) > 64:
        return None
    return _all_zones().get(name.strip().replace(" ", "_").lower())


def offset(zone: str, moment: datetime | None = None) -> str:
    """"UTC+6", "UTC-4", "UTC+5:30" at the moment (now by default)."""
    delta = (moment or utcnow()).astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def label(zone: str, locale: str, moment: datetime | None = None) -> str:
    """"Бишкек, Кыргызстан (UTC+6)" in the reader's language; the raw name for a zone CLDR has no city for."""
    if zone == "UTC":
        return "UTC"
    try:
        babel_locale = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        babel_locale = Locale.parse("en")
    city = get_timezone_location(zone, locale=babel_locale, return_city=True)
    territory = get_global("zone_territories").get(zone)
    country = babel_locale.territories.get(territory) if territory else None
    place = ", ".join(part for part in (city, country) if part and part != "001") or zone
    return f"{place} ({offset(zone, moment)})"


def choices(locale: str, current: str | None = None) -> list[tuple[str, str]]:
    """The menu: the curated zones (and the event's own, if it is another), then "another zone"."""
    zones = list(CURATED)
    if current and current not in zones:
        zones.insert(0, current)
    return [(zone, label(zone, locale)) for zone in zones]
