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

Only where a formula could start: a field that is a sign and nothing but digits, spaces, brackets, dots,
dashes and slashes (a phone, "+996 555 123 456", or "-5") names no function, cell or other program, so it is
written as it is, with no apostrophe for people to delete before they call. Not when the field before it ends
with a `;` or `,` (or there is none): there Excel in a `;` locale may start a cell at this field that runs on
into the next ones, so it is marked as before; and only a whole field, since a piece after a `;` inside a text
runs on into the next fields too.
"""
import csv
import re

_TRIGGERS = "=+\\-@\\t\\r"
# Where a spreadsheet may start a cell: at the start of the text, or after a list separator or a line break in
# it; past any spaces and quotes. A run of apostrophes before a formula character gets one more, so that the
# escape can be undone.
_CELL_START = re.compile(f"(?:^|(?<=[,;\\n\\r]))([\" ]*)('*)(?=[{_TRIGGERS}])")
_ESCAPED_CELL_START = re.compile(f"(?:^|(?<=[,;\\n\\r]))([\" ]*)'('*)(?=[{_TRIGGERS}])")
# A sign followed by only what a number or a phone is written with: nothing a formula could call.
_NUMBER_LIKE = re.compile("[+\\-][0-9 ().\\-/+]*")
# A field ending where a spreadsheet may start a cell (the next field then starts inside that cell).
_ENDS_AT_CELL_START = re.compile("[,;\\n\\r][\" ]*$")


def escape_cell(value, after_cell_start: bool = True) -> str:
    """The text of a cell, with an apostrophe before a formula character wherever a cell may start (which is
    also how Excel marks text typed into a cell). Numbers are written as numbers; a phone stays as it is
    unless the field before it ended at a cell start (`after_cell_start`, the cautious default)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if not after_cell_start and _NUMBER_LIKE.fullmatch(text):
        return text
    return _CELL_START.sub(r"\1'\2", text)


def unescape_cell(text: str | None) -> str:
    """Undo escape_cell."""
    return _ESCAPED_CELL_START.sub(r"\1\2", text or "")


def write_csv(out, rows) -> int:
    """Rows of values to `out` (a text file or StringIO), every field escaped and quoted; how many rows."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    count = 0
    for row in rows:
        cells: list[str] = []
        for value in row:
            after_cell_start = not cells or bool(_ENDS_AT_CELL_START.search(cells[-1]))
            cells.append(escape_cell(value, after_cell_start))
        writer.writerow(cells)
        count += 1
    return count
