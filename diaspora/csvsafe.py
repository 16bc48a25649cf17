"""CSV that spreadsheets will not run as formulas (OWASP "CSV injection"), whatever their list separator;
reversibly, so an exported file imports back to the same values. Every CSV the site writes goes through
write_csv.

Excel reads a cell as a formula when it starts with = + - @ (or a tab or CR before one). A cell starts at the
start of a field, but not only there: Excel in a Russian or Kyrgyz locale splits a line on `;`, not `,`. It reads
the first field of a line, quoted, correctly; after its closing quote comes a `,`, which is not its separator, so it
loses track of the quoting and splits the rest of the line at every `;`, whatever the quotes, and a quote at the
start of such a piece opens a quoted cell ("…;""=1+1" gives the cell =1+1). So a formula character is made
harmless with an apostrophe before it at the start of the text and after every `;`, `,` or line break in it,
past any spaces and quotes. Every field is quoted too, so a reader that splits on `,` sees the right fields.
"""
import csv
import re

_TRIGGERS = "=+\\-@\\t\\r"
# Where a spreadsheet may start a cell: at the start of the text, or after a list separator or a line break in
# it; past any spaces and quotes. A run of apostrophes before a formula character gets one more, so that the
# escape can be undone.
_CELL_START = re.compile(f"(?:^|(?<=[,;\\n\\r]))([\" ]*)('*)(?=[{_TRIGGERS}])")
_ESCAPED_CELL_START = re.compile(f"(?:^|(?<=[,;\\n\\r]))([\" ]*)'('*)(?=[{_TRIGGERS}])")


def escape_cell(value) -> str:
    """The text of a cell, with an apostrophe before a formula character wherever a cell may start (which is
    also how Excel marks text typed into a cell). Numbers are written as numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    return _CELL_START.sub(r"\1'\2", str(value))


def unescape_cell(text: str | None) -> str:
    """Undo escape_cell."""
    return _ESCAPED_CELL_START.sub(r"\1\2", text or "")


def write_csv(out, rows) -> int:
    """Rows of values to `out` (a text file or StringIO), every field escaped and quoted; how many rows."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    count = 0
    for row in rows:
        writer.writerow([escape_cell(value) for value in row])
        count += 1
    return count
