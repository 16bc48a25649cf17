"""Search and sorting of Cyrillic, Kyrgyz and Latin names, and slugs (checking text: diaspora.validation).

SQLite's lower()/LIKE fold only ASCII, and the two databases collate differently, so we store
our own folded search text and a binary sort key and compare those everywhere.
"""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)

# The Kyrgyz alphabet interleaves ң ө ү with the Russian letters; Kazakh, Uzbek and Tatar letters
# follow their base letters. Code-point order would put ө after я.
_ALPHABET = (
    "аәбвгғдеёжҗзийкқлмнңоөпрстуүұфхһцчшщъыіьэюя"
)
_SORT_MAP = {ch: chr(0xE000 + i) for i, ch in enumerate(_ALPHABET)}


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
