"""Documents for participants and organizers: calendar files, QR codes, PDF tickets and name badges.

Pure functions: they take models and return bytes or text, and the views decide how to send them.
Labels go through gettext in the locale given (see `in_locale`); PDF text is drawn on a reportlab
canvas, never parsed as markup, so hostile text needs no escaping there, only glyphs the font has.
"""
import threading
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from babel.dates import format_date, format_time
from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from diaspora.database import utcnow
from diaspora.events.choices import STATUSES
from diaspora.i18n import country_name
from diaspora.qr import qr_matrix

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_glyphs: dict[str, frozenset[int]] = {}  # font name -> code points it can draw; filled once per process
_fonts_lock = threading.Lock()


@contextmanager
def in_locale(locale: str):
    """Labels in `locale`, forcing it only when it differs: flask-babel's force_locale does not nest
    cleanly (leaving an inner one drops the outer one's forced locale)."""
    current = get_locale() if has_app_context() else None
    with nullcontext() if str(current) == locale else force_locale(locale):
        yield


# --- calendar ------------------------------------------------------------------------------------

def _ics_text(value: str | None) -> str:
    """Text without control characters, which RFC 5545 does not allow in TEXT values (newlines are
    kept: the library escapes them as \\n)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def _uri(value: str | None) -> str:
    """A URI is written unescaped, so nothing in it may end the line."""
    return "".join((value or "").split())


def event_location(event, locale: str | None = None) -> str:
    """Venue, address and city, or the online link when there is no place."""
    parts = (event.venue_name.get(locale), event.venue_address.get(locale), event.city)
    return ", ".join(part.strip() for part in parts if part and part.strip()) or (event.online_url or "")


def _calendar(name: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kyrgyz diaspora//Events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", _ics_text(name))
    return cal


def _event_components(event, locale: str, *, sessions=None, url: str | None = None,
                      note: str | None = None) -> list[icalendar.Event]:
    """The event and, after it, each of the given sessions."""
    title = _ics_text(event.title(locale))
    stamp = utcnow().replace(microsecond=0)

    def vevent(uid: str, summary: str, starts_at: datetime, ends_at: datetime, location: str) -> icalendar.Event:
        item = icalendar.Event()
        item.add("uid", uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", starts_at.astimezone(UTC))
        item.add("dtend", ends_at.astimezone(UTC))
        item.add("summary", summary)
        if location:
            item.add("location", _ics_text(location))
        if url:
            item.add("url", _uri(url))
        # Calendars that imported the event earlier drop it when it is cancelled.
        item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        return item

    main = vevent(f"event-{event.id}@diaspora", title, event.starts_at, event.ends_at, event_location(event, locale))
    parts = (_ics_text(event.description(locale)), _ics_text(note), _uri(url))
    description = "\n\n".join(part for part in parts if part)
    if description:
        main.add("description", description)
    if event.has_position:
        main.add("geo", (event.latitude, event.longitude))
    components = [main]
    for session in sessions or ():
        location = ", ".join(part for part in (session.room.get(locale), event_location(event, locale)) if part)
        components.append(vevent(f"session-{session.id}@diaspora", f"{title}: {_ics_text(session.title(locale))}",
                                 session.starts_at, session.ends_at, location))
    return components


def event_ics(event, locale: str, *, sessions=None, url: str | None = None, note: str | None = None) -> bytes:
    """An iCalendar file with the event and, after it, each of the given sessions."""
    cal = _calendar()
    for component in _event_components(event, locale, sessions=sessions, url=url, note=note):
        cal.add_component(component)
    return cal.to_ical()


def events_ics(events, locale: str, name: str, url_of: Callable[[Any], str]) -> bytes:
    """A calendar feed of several events (an association's): the same entries as each event's own file, so a
    calendar that imported both keeps one of each (same UID)."""
    cal = _calendar(name)
    for event in events:
        for component in _event_components(event, locale, url=url_of(event)):
            cal.add_component(component)
    return cal.to_ical()


# --- QR codes ------------------------------------------------------------------------------------

def draw_qr(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw the matrix as a size x size square whose bottom-left corner is (x, y)."""
    module = size / len(matrix)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        col = 0
        while col < len(row):  # one rectangle per run of dark modules: fewer operators, no hairline seams
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


# --- fonts and text fitting ----------------------------------------------------------------------

def _fonts_dir() -> Path:
    static = current_app.static_folder if has_app_context() else None
    return Path(static or Path(__file__).resolve().parents[2] / "static") / "vendor" / "fonts"


def register_fonts() -> None:
    """Register DejaVu Sans (Cyrillic and Kyrgyz ө ү ң) with reportlab, once per process."""
    if _glyphs:
        return
    with _fonts_lock:
        if _glyphs:
            return
        folder = _fonts_dir()
        found = {}
        for name, filename in _FONT_FILES.items():
            path = folder / filename
            if not path.is_file():
                raise RuntimeError(f"Font file {path} is missing: run `make setup`, which copies DejaVu Sans "
                                   "from the npm package dejavu-fonts-ttf.")
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            found[name] = frozenset(font.face.charToGlyph)
        _glyphs.update(found)


def printable(text: str | None, font: str = REGULAR) -> str:
    """One line of text the font can draw: whitespace collapsed, emoji and other symbols it lacks
    dropped, letters it lacks shown as "?" (so a name in another script still shows its shape)."""
    register_fonts()
    glyphs = _glyphs[font]
    out = []
    for ch in text or "":
        if ord(ch) in glyphs or ch.isspace():
            out.append(ch)
        elif unicodedata.category(ch)[0] in "LN":
            out.append("?")
    return " ".join("".join(out).split())


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    pieces, current, used = [], "", 0.0
    for ch in word:
        w = pdfmetrics.stringWidth(ch, font, size)
        if current and used + w > width:
            pieces.append(current)
            current, used = "", 0.0
        current += ch
        used += w
    return [*pieces, current] if current else pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`; a word longer than a line is broken between letters."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = _break_word(word, font, size, width)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line:
        lines.append(line)
    return lines


def fit(text: str, font: str, max_size: float, min_size: float, width: float,
        max_lines: int) -> tuple[float, list[str]]:
    """The largest size at which the text fits in max_lines lines; at the smallest size, what does not
    fit is cut with an ellipsis."""
    size = max_size
    while True:
        lines = wrap(text, font, size, width)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(size - 1, min_size)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return size, lines


def _draw_lines(canvas: Canvas, lines: list[str], font: str, size: float, x: float, top: float,
                leading: float = 1.2, align: str = "left", width: float = 0) -> float:
    """Draw lines downwards from `top` (the top of the first line); return the y below the last."""
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size * leading
        if align == "center":
            canvas.drawCentredString(x + width / 2, y + size * (leading - 1), line)
        else:
            canvas.drawString(x, y + size * (leading - 1), line)
    return y


# --- dates ---------------------------------------------------------------------------------------

def _zone(event) -> ZoneInfo:
    return ZoneInfo(event.timezone or "UTC")


def zone_label(event) -> str:
    """"Asia/Bishkek (UTC+06:00)": the IANA name is unambiguous; CLDR's names of some zones are dated."""
    offset = event.starts_at.astimezone(_zone(event)).strftime("%z") or "+0000"
    return f"{event.timezone} (UTC{offset[:3]}:{offset[3:]})"


def when_lines(event, locale: str) -> list[str]:
    """The event's date and times in its own time zone, as printed on the ticket."""
    tz = _zone(event)
    start, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    if start.date() == end.date():
        return [format_date(start.date(), "full", locale=locale),
                f"{format_time(start, 'short', locale=locale)} – {format_time(end, 'short', locale=locale)}"]
    return [f"{format_date(start.date(), 'long', locale=locale)}, {format_time(start, 'short', locale=locale)} –",
            f"{format_date(end.date(), 'long', locale=locale)}, {format_time(end, 'short', locale=locale)}"]


def session_when(session, event, locale: str) -> str:
    tz = _zone(event)
    start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    times = f"{format_time(start, 'short', locale=locale)} – {format_time(end, 'short', locale=locale)}"
    if event.starts_at.astimezone(tz).date() != event.ends_at.astimezone(tz).date():
        return f"{format_date(start.date(), 'medium', locale=locale)}, {times}"
    return times


def spaced_code(code: str) -> str:
    """"K7MP 2QXD": groups of four are easier to read aloud (check-in ignores the space)."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- the ticket ----------------------------------------------------------------------------------

def ticket_pdf(registration, event, locale: str, *, sessions: list, manage_url: str) -> bytes:
    """A one-page A5 ticket: event, date and place, the participant, the check-in code and its QR."""
    register_fonts()
    with in_locale(locale):
        return _ticket(registration, event, locale, sessions, manage_url)


def _ticket(registration, event, locale, sessions, manage_url) -> bytes:
    buffer = BytesIO()
    page_w, page_h = A5
    margin = 14 * mm
    width = page_w - 2 * margin
    c = Canvas(buffer, pagesize=A5, pageCompression=1)
    title = printable(event.title(locale), BOLD)
    c.setTitle(title)
    c.setAuthor("Kyrgyz diaspora")

    y = page_h - margin
    size, lines = fit(title, BOLD, 20, 11, width, 3)
    y = _draw_lines(c, lines, BOLD, size, margin, y)
    y -= 4
    y = _draw_lines(c, [printable(line) for line in when_lines(event, locale)], REGULAR, 11, margin, y)
    c.setFillGray(0.4)
    y = _draw_lines(c, [printable(zone_label(event))], REGULAR, 8.5, margin, y)
    c.setFillGray(0)
    place = printable(", ".join(p for p in (event.venue_name.get(locale), event.venue_address.get(locale), event.city,
                                            country_name(event.country, locale)) if p and p.strip()))
    if place:
        y = _draw_lines(c, fit(place, REGULAR, 10, 10, width, 3)[1], REGULAR, 10, margin, y - 2)
    if event.online_url:
        y = _draw_lines(c, fit(printable(event.online_url), REGULAR, 9, 9, width, 2)[1], REGULAR, 9, margin, y - 2)

    y -= 8
    c.setStrokeGray(0.75)
    c.line(margin, y, page_w - margin, y)
    y -= 10

    c.setFillGray(0.4)
    y = _draw_lines(c, [printable(_("Participant"))], REGULAR, 8, margin, y)
    c.setFillGray(0)
    size, lines = fit(printable(registration.full_name, BOLD), BOLD, 18, 10, width, 2)
    y = _draw_lines(c, lines, BOLD, size, margin, y)
    if registration.status != "confirmed" and registration.status in STATUSES:
        y = _draw_lines(c, [printable(str(STATUSES[registration.status]))], BOLD, 10, margin, y)

    # The code block: QR on the right, the code to read aloud and the instruction on the left.
    qr_size = 38 * mm
    y -= 8
    draw_qr(c, qr_matrix(registration.code), page_w - margin - qr_size, y - qr_size, qr_size)
    left_w = width - qr_size - 6 * mm
    top = y - 6
    c.setFillGray(0.4)
    top = _draw_lines(c, [printable(_("Check-in code"))], REGULAR, 8, margin, top)
    c.setFillGray(0)
    size, lines = fit(printable(spaced_code(registration.code), BOLD), BOLD, 30, 12, left_w, 2)
    top = _draw_lines(c, lines, BOLD, size, margin, top)
    _draw_lines(c, fit(printable(_("Show this code at the entrance")), REGULAR, 10, 8, left_w, 3)[1],
                REGULAR, 10, margin, top - 4)
    y -= qr_size + 8

    footer_h = 30
    if sessions:
        y = _draw_lines(c, [printable(_("Your sessions"), BOLD)], BOLD, 10, margin, y)
        for index, session in enumerate(sessions):
            parts = (session.title(locale), session.room.get(locale))
            text = printable(" · ".join(p for p in parts if p and p.strip()))
            lines = fit(text, REGULAR, 9, 9, width - 4 * mm, 2)[1]
            needed = 9 * 1.2 * (1 + len(lines)) + 3
            if y - needed < margin + footer_h + 12:
                more = len(sessions) - index
                _draw_lines(c, [printable(_("and %(count)d more", count=more))], REGULAR, 9, margin, y)
                break
            y = _draw_lines(c, [printable(session_when(session, event, locale), BOLD)], BOLD, 9, margin, y)
            y = _draw_lines(c, lines, REGULAR, 9, margin + 4 * mm, y) - 3

    # Footer: where to change or cancel, as text and as a link.
    c.setFillGray(0.4)
    url_lines = fit(printable(manage_url), REGULAR, 7, 7, width, 2)[1]
    top = margin + 7 * 1.2 * (1 + len(url_lines))
    bottom = _draw_lines(c, [printable(_("Change or cancel your registration:")), *url_lines], REGULAR, 7, margin, top)
    c.linkURL(manage_url, (margin, bottom, page_w - margin, top - 8.4), relative=0)
    c.showPage()
    c.save()
    return buffer.getvalue()


# --- badges --------------------------------------------------------------------------------------

BADGE_COLUMNS, BADGE_ROWS = 2, 4


def badges_pdf(registrations: Sequence, event, locale: str) -> bytes:
    """Name badges on A4, 2 x 4 a page with light cut lines, in the order given."""
    register_fonts()
    with in_locale(locale):
        return _badges(registrations, event, locale)


def _badges(registrations, event, locale) -> bytes:
    buffer = BytesIO()
    page_w, page_h = A4
    badge_w, badge_h = page_w / BADGE_COLUMNS, page_h / BADGE_ROWS
    per_page = BADGE_COLUMNS * BADGE_ROWS
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    title = printable(event.title(locale))
    c.setTitle(title)
    title_size, title_lines = fit(title, REGULAR, 8, 7, badge_w - 16 * mm, 2)  # the same on every badge

    for index, registration in enumerate(registrations):
        slot = index % per_page
        if slot == 0 and index:
            c.showPage()
        if slot == 0:
            _cut_lines(c, page_w, page_h, badge_w, badge_h)
        col, row = slot % BADGE_COLUMNS, slot // BADGE_COLUMNS
        _badge(c, registration, locale, title_lines, title_size,
               col * badge_w, page_h - (row + 1) * badge_h, badge_w, badge_h)
    if not registrations:
        _cut_lines(c, page_w, page_h, badge_w, badge_h)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _cut_lines(c: Canvas, page_w, page_h, badge_w, badge_h) -> None:
    c.saveState()
    c.setStrokeGray(0.8)
    c.setLineWidth(0.4)
    c.setDash(3, 3)
    for col in range(1, BADGE_COLUMNS):
        c.line(col * badge_w, 0, col * badge_w, page_h)
    for row in range(1, BADGE_ROWS):
        c.line(0, row * badge_h, page_w, row * badge_h)
    c.restoreState()


def _badge(c: Canvas, registration, locale, title_lines, title_size, x, y, w, h) -> None:
    pad = 8 * mm
    inner_w = w - 2 * pad
    qr_size = 21 * mm

    c.setFillGray(0.4)
    below_title = _draw_lines(c, title_lines, REGULAR, title_size, x + pad, y + h - pad, align="center", width=inner_w)

    # Bottom-left: where the person comes from and their association; bottom-right: the QR.
    c.setFillGray(0.25)
    info_w = inner_w - qr_size - 4 * mm
    place = printable(", ".join(p for p in (registration.city, country_name(registration.country, locale)) if p))
    info = fit(place, REGULAR, 9, 7, info_w, 2)[1]
    organization = registration.organization.name if registration.organization is not None else ""
    if organization:
        info += fit(printable(organization), REGULAR, 9, 7, info_w, 2)[1]
    info_top = y + pad + 9 * 1.2 * len(info)
    _draw_lines(c, info, REGULAR, 9, x + pad, info_top)
    draw_qr(c, qr_matrix(registration.code), x + w - pad - qr_size, y + pad, qr_size)

    # The name, as large as fits, centred in the space left between the title and the bottom row.
    c.setFillGray(0)
    space_top, space_bottom = below_title - 4, y + pad + qr_size + 4
    size, lines = fit(printable(registration.full_name, BOLD), BOLD, 24, 11, inner_w, 3)
    while size > 11 and size * 1.2 * len(lines) > space_top - space_bottom:
        size, lines = fit(printable(registration.full_name, BOLD), BOLD, size - 1, 11, inner_w, 3)
    block = size * 1.2 * len(lines)
    top = space_bottom + (space_top - space_bottom + block) / 2
    _draw_lines(c, lines, BOLD, size, x + pad, top, align="center", width=inner_w)
