"""Content in any language: one JSON object per translatable field ({"ky": "…", "kk": "…"}), as pretix's
I18nCharField, read with a fallback order.

The languages offered for content are a setting (CONTENT_LANGUAGES, e.g. ``ky,ru,en,kk``), apart from the
interface languages (the ky/ru/en catalogs). A reader's content languages come from what they chose (the
language switch, their account, ``?lang=``), then their browser's Accept-Language, then the interface
language, then CONTENT_LANGUAGES in their order: a browser asking for Kazakh gets Kazakh content inside a
Kyrgyz interface.
"""
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import JSON
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapper
from sqlalchemy.types import TypeDecorator

DEFAULT_CONTENT_LANGUAGES = ("ky", "ru", "en")
_CODE = re.compile(r"^[a-z]{2,3}$")


def parse_content_languages(value: str | None) -> tuple[str, ...]:
    """"ky, ru,en,KK" -> ("ky", "ru", "en", "kk"); a code CLDR does not know is refused at start-up."""
    if value is None or not value.strip():
        return DEFAULT_CONTENT_LANGUAGES
    codes: list[str] = []
    known = Locale("en").languages
    for part in value.split(","):
        code = part.strip().lower()
        if not code:
            continue
        if not _CODE.match(code) or code not in known:
            raise RuntimeError(f"CONTENT_LANGUAGES: {part.strip()!r} is not a language code such as ky, ru or kk.")
        if code not in codes:
            codes.append(code)
    return tuple(codes) or DEFAULT_CONTENT_LANGUAGES


def content_languages() -> tuple[str, ...]:
    if not has_app_context():
        return DEFAULT_CONTENT_LANGUAGES
    return tuple(current_app.config.get("CONTENT_LANGUAGES") or DEFAULT_CONTENT_LANGUAGES)


def _interface_locale() -> str | None:
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale else None


def _unique(codes: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for code in codes:
        if code and code not in seen:
            seen.append(code)
    return seen


def _request_languages(interface: str | None) -> list[str]:
    from flask_login import current_user

    from diaspora.i18n import LANGUAGE_COOKIE

    offered = content_languages()
    chosen = [request.args.get("lang", "").strip().lower(), request.cookies.get(LANGUAGE_COOKIE)]
    if current_user and current_user.is_authenticated:
        chosen.append(current_user.locale)
    browser = [value.split("-")[0].split("_")[0].lower() for value, _quality in request.accept_languages]
    return _unique([code for code in chosen + browser if code in offered] + [interface, *offered])


def reader_languages(locale: str | None = None) -> list[str]:
    """The order in which to look for a text: `locale` first when given (a mail in the language someone
    registered in), else the reader's preference; then CONTENT_LANGUAGES."""
    if locale:
        return _unique([locale, *content_languages()])
    interface = _interface_locale()
    if has_request_context():
        cached = g.get("_content_languages")
        if cached and cached[0] == interface:
            return cached[1]
        order = _request_languages(interface)
        if interface and interface != _selected_interface_locale():
            order = _unique([interface, *order])  # inside force_locale(): that language first
        g._content_languages = (interface, order)
        return order
    return _unique([interface, *content_languages()])


def _selected_interface_locale() -> str | None:
    from diaspora.i18n import select_locale

    return select_locale()


class Shown(NamedTuple):
    text: str
    language: str | None  # None when there is no text at all


class I18nText:
    """A text in several languages. Calling it, or str(), gives the reader's language (or the fallback);
    `.shown()` also says which language that is. Empty strings are not kept."""

    __slots__ = ("_data",)

    def __init__(self, data: "Mapping[str, Any] | I18nText | None" = None):
        items = data.as_dict() if isinstance(data, I18nText) else (data or {})
        self._data: dict[str, str] = {str(lang): text.strip() for lang, text in items.items()
                                      if isinstance(text, str) and text.strip()}

    def shown(self, locale: str | None = None) -> Shown:
        for lang in reader_languages(locale):
            if self._data.get(lang):
                return Shown(self._data[lang], lang)
        for lang, text in self._data.items():  # a language no longer offered: better than nothing
            return Shown(text, lang)
        return Shown("", None)

    def get(self, locale: str | None = None) -> str:
        return self.shown(locale).text

    __call__ = get

    def any(self) -> str:
        """A text in whichever language, CONTENT_LANGUAGES' order first (for geocoding, slugs)."""
        return self.get(content_languages()[0])

    def __getitem__(self, lang: str) -> str:
        return self._data.get(lang, "")

    def __str__(self) -> str:
        return self.get()

    def __html__(self) -> str:
        return str(escape(self.get()))

    def __bool__(self) -> bool:
        return bool(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, I18nText):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == I18nText(other)._data
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"I18nText({self._data!r})"

    def as_dict(self) -> dict[str, str]:
        return dict(self._data)

    def languages(self) -> list[str]:
        return list(self._data)

    def keys(self) -> list[str]:  # dict(text) gives its {language: text}
        return list(self._data)

    def __iter__(self) -> Iterator[str]:  # its languages, as a dict's keys
        return iter(self._data)

    def __contains__(self, lang: object) -> bool:
        return lang in self._data

    def values(self) -> list[str]:
        return list(self._data.values())

    def strip(self) -> "I18nText":  # old call sites stripped strings; the texts are stripped already
        return self


def i18n(value: "Mapping[str, Any] | I18nText | None") -> I18nText:
    return value if isinstance(value, I18nText) else I18nText(value)


def replaced(old: "Mapping[str, Any] | I18nText | None", new: "Mapping[str, Any] | I18nText | None") -> I18nText:
    """`new` as a form or a file gives it (the configured languages), keeping `old`'s texts in languages that
    are no longer configured: a setting narrowed later must not make the next save delete them."""
    kept = {lang: text for lang, text in i18n(old).as_dict().items() if lang not in content_languages()}
    return I18nText({**kept, **i18n(new).as_dict()})


@sa_event.listens_for(Mapper, "mapper_configured")
def _coerce_on_set(mapper, class_) -> None:
    """`event.title = {"ky": "…"}` holds an I18nText at once, not only once loaded from the database."""
    for prop in mapper.column_attrs:
        if any(isinstance(getattr(column, "type", None), I18nJSON) for column in prop.columns):
            sa_event.listen(getattr(class_, prop.key), "set",
                            lambda target, value, old, initiator: i18n(value), retval=True)


class I18nJSON(TypeDecorator):
    """A JSON object {language code: text} in the database (JSON on PostgreSQL, text on SQLite), an I18nText
    in Python."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return i18n(value).as_dict()

    def process_result_value(self, value, dialect):
        return I18nText(value if isinstance(value, dict) else None)

    def coerce_compared_value(self, op, value):
        return JSON()


def translations(**texts: I18nText) -> dict[str, dict[str, str]]:
    """The API's `translations`: {"title": {"ky": "…", "kk": "…"}, …}, every language there is."""
    return {name: text.as_dict() for name, text in texts.items()}


_KYRGYZ_LETTERS = frozenset("ңөүҢӨҮ")
_KAZAKH_LETTERS = frozenset("әғқұһіӘҒҚҰҺІ")


def guess_language(text: str, offered: Iterable[str] | None = None) -> str:
    """The language of a text that came without one (an old CSV's `description` column): Kazakh for its own
    letters, Kyrgyz when it has ң, ө or ү, Russian for other Cyrillic, else English; the first offered
    language when the guess is not offered."""
    offered = tuple(offered or content_languages())
    letters = set(text)
    if letters & _KAZAKH_LETTERS:  # Kazakh also has ң, ө and ү
        guess = "kk"
    elif letters & _KYRGYZ_LETTERS:
        guess = "ky"
    elif any("\u0400" <= ch <= "\u04ff" for ch in text):
        guess = "ru"
    else:
        guess = "en"
    return guess if guess in offered else offered[0]


def first_field(name: str) -> str:
    """The form field a message about a whole text goes to ("give it in at least one language"): the one of
    the first content language (forms name them `<name>_<lang>`, see content_forms)."""
    return f"{name}_{content_languages()[0]}"


def content_html(value: I18nText | None, locale: str | None = None) -> Markup:
    """The text for a page: in a <span lang> when it is not in the page's language."""
    shown = i18n(value).shown(locale)
    if shown.language and shown.language != _interface_locale():
        return Markup('<span lang="{}">{}</span>').format(shown.language, shown.text)
    return Markup(escape(shown.text))


def lang_attr(value: I18nText | None, locale: str | None = None) -> Markup:
    """` lang="kk"` for an element whose text is not in the page's language, else nothing."""
    shown = i18n(value).shown(locale)
    if shown.language and shown.language != _interface_locale():
        return Markup(' lang="{}"').format(shown.language)
    return Markup("")


def content_note(value: I18nText | None) -> Markup:
    """A discreet line when the text is not in the reader's first language ("Not available in Russian:
    shown in Kyrgyz."), else nothing."""
    from flask_babel import gettext as _

    from diaspora.i18n import language_name

    shown = i18n(value).shown()
    wanted = reader_languages()[0] if reader_languages() else None
    if not shown.language or not wanted or shown.language == wanted:
        return Markup("")
    message = _("Not available in %(wanted)s: shown in %(shown)s.", wanted=language_name(wanted),
                shown=language_name(shown.language))
    return Markup('<p class="content-language muted">{}</p>').format(message)


def init_app(app) -> None:
    app.add_template_global(content_html, "content")
    app.add_template_global(content_note, "content_note")
    app.add_template_global(lang_attr, "lang_attr")
    app.add_template_global(content_languages, "content_languages")
