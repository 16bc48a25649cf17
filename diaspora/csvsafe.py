"""CSV cells that spreadsheets will not run as formulas (OWASP "CSV injection"), reversibly."""

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """Prefix text that a spreadsheet would read as a formula with a single quote."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(_TRIGGERS) or text.startswith("'"):
        return "'" + text
    return text


def unescape_cell(text: str | None) -> str:
    """Undo escape_cell, so an exported file imports back to the same values."""
    text = text or ""
    if text.startswith("'") and (text[1:].startswith(_TRIGGERS) or text[1:].startswith("'")):
        return text[1:]
    return text
