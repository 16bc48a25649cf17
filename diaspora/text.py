"""Text checks and normalisation: control characters, search and sorting of Cyrillic, Kyrgyz and Latin names.

SQLite's lower()/LIKE fold only ASCII, and the two databases collate differently, so we store
our own folded search text and a binary sort key and compare those everywhere.
"""
import re
import unicodedata

from flask_babel import gettext as _

from diaspora.errors import ServiceError

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)

# The Kyrgyz alphabet interleaves ң ө ү with the Russian letters; Kazakh, Uzbek and Tatar letters
# follow their base letters. Code-point order would put ө after я.
_ALPHABET = (
    "аәбвгғдеёжҗзийкқлмнңоөпрстуүұфхһцчшщъыіьэюя"
)
_SORT_MAP = {ch: chr(0xE000 + i) for i, ch in enumerate(_ALPHABET)}

# Whitespace that a keyboard or a paste puts in multi-line text (a description, a message); every other
# control character (C0, DEL, C1) is refused there. Single-line text (a name, a title, a city) allows none,
# tab and line breaks included: it goes into mail subjects, CSV cells, calendar lines and headers.
# U+2028/U+2029 (line and paragraph separators) are not control characters but whitespace: they are kept in
# multi-line text and fold into a space wherever single-line text is normalised (str.split knows them).
TEXT_WHITESPACE = "\t\n\r"
SINGLE_LINE = ""


def control_character(value: str | None, allowed: str = TEXT_WHITESPACE) -> str | None:
    """The first control character in `value` that is not in `allowed`, or None.

    No person types them: PostgreSQL cannot store U+0000, and ESC, BEL or the C1 codes only hide things
    in pages, exports, mail and terminals."""
    for ch in value or "":
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            return ch
    return None


def without_control_characters(value: str, allowed: str = TEXT_WHITESPACE) -> str:
    return "".join(ch for ch in value if ch in allowed or unicodedata.category(ch) != "Cc")


def code_point(ch: str) -> str:
    """How a character is named in messages: U+001B."""
    return f"U+{ord(ch):04X}"


def refuse_control_characters(fields: dict, multiline: tuple[str, ...] = ()) -> None:
    """The service-level check (API, CLI, imports): ServiceError naming the first field that has one.

    `fields` maps a field name to its text; a dict value ({"ky": ..., "ru": ...}) is checked per language
    as `<name>_<lang>`, the forms' naming (title_ky). Fields are single-line (no tab or line break either)
    unless named in `multiline`."""
    for name, value in fields.items():
        allowed = TEXT_WHITESPACE if name in multiline else SINGLE_LINE
        values = value.items() if isinstance(value, dict) else [(None, value)]
        for lang, text in values:
            ch = control_character(text, allowed) if isinstance(text, str) else None
            if ch:
                raise ServiceError(control_character_message(ch), f"{name}_{lang}" if lang else name)


def control_character_message(ch: str) -> str:
    if ch in TEXT_WHITESPACE:  # found in a single-line field
        return _("Must be one line: contains a tab or a line break (%(code)s).", code=code_point(ch))
    return _("Contains an invisible control character (%(code)s), which is not allowed.", code=code_point(ch))


def fold(text: str | None) -> str:
    """Case- and width-insensitive form for matching: "КЫРГЫЗ" and "кыргыз" fold alike; ё matches е."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()


def search_text(*parts: str | None) -> str:
    return "\n".join(fold(p) for p in parts if p)


def sort_key(text: str | None) -> str:
    """A key whose code-point order is alphabetical order for Kyrgyz/Russian, Latin before Cyrillic."""
    folded = _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()
    return "".join(_SORT_MAP.get(ch, ch) for ch in folded)[:300]


def like_prefix(folded: str) -> str:
    """Escape LIKE's wildcards in an already folded string (ESCAPE '\\')."""
    return folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str) -> str:
    """A LIKE pattern for a folded substring, with LIKE's own wildcards escaped (ESCAPE '\\')."""
    return f"%{like_prefix(fold(text))}%"



_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ұ": "u",
    "һ": "h", "і": "i",
}


def slugify(text: str, max_length: int = 60) -> str:
    """"Мекендештер 2026" -> "mekendeshter-2026": Latin letters, digits and hyphens, for addresses."""
    folded = unicodedata.normalize("NFKD", "".join(_TRANSLIT.get(ch, ch) for ch in (text or "").casefold()))
    ascii_text = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-")
