"""The organizer's export of registrations, as CSV and as an Excel workbook.

Both files hold the same table (`table`). Nothing a participant typed may run as a formula in a
spreadsheet: the CSV is written by csvsafe.write_csv, and XLSX text cells are stored as strings.
"""
import re
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from diaspora.csvsafe import write_csv
from diaspora.events.choices import HOME_REGIONS, PROJECT_STAGES, PROJECT_STATUSES, SECTORS, STATUSES
from diaspora.events.documents import in_locale
from diaspora.extensions import db
from diaspora.i18n import country_name, language_name
from diaspora.models import Registration

# (key, header). "answers" stands for one column per organizer question, headed by its label.
COLUMNS = (
    ("id", _l("ID")),
    ("status", _l("Status")),
    ("waitlist_position", _l("Waitlist position")),
    ("full_name", _l("Full name")),
    ("email", _l("Email")),
    ("phone", _l("Phone")),
    ("country", _l("Country code")),
    ("country_name", _l("Country")),
    ("city", _l("City")),
    ("home_region", _l("Home region")),
    ("organization", _l("Association")),
    ("sector", _l("Sector")),
    ("sessions", _l("Sessions")),
    ("answers", None),
    ("public_listing", _l("Public listing")),
    ("language", _l("Language")),
    ("registered_at", _l("Registered at")),
    ("checked_in_at", _l("Checked in at")),
    ("delegation", _l("Delegation")),
)
EXCEL_CELL_LIMIT = 32767


def waitlist_positions(event_id: int) -> dict[int, int]:
    """{registration id: place on the waitlist, from 1}, in one query."""
    rank = func.row_number().over(order_by=Registration.waitlist_seq)
    rows = db.session.execute(select(Registration.id, rank).where(
        Registration.event_id == event_id, Registration.status == "waitlisted"))
    return dict(rows.all())


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _answer(question, value, locale: str) -> str:
    if value is None or value == "":
        return ""
    if question.kind == "yesno":
        return _yes_no(bool(value))
    if question.kind == "choice":
        labels = question.option_labels(locale)
        return labels[value] if isinstance(value, int) and 0 <= value < len(labels) else str(value)
    return str(value)


def table(event, registrations, locale: str) -> tuple[list[str], list[list]]:
    """The header and one row per registration: ids and waitlist places as numbers, everything else
    as text, times as "YYYY-MM-DD HH:MM" in the event's time zone (named in the header)."""
    tz = ZoneInfo(event.timezone or "UTC")
    questions = list(event.questions)
    session_titles = {session.id: session.title(locale) for session in event.sessions}
    positions = waitlist_positions(event.id)

    def when(moment) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    header = []
    for key, label in COLUMNS:
        if key == "answers":
            header += [question.label(locale) for question in questions]
        elif key in ("registered_at", "checked_in_at"):
            header.append(f"{label} ({event.timezone})")
        else:
            header.append(str(label))

    rows = []
    for reg in registrations:
        answers = reg.answers or {}
        values = {
            "id": reg.id,
            "status": str(STATUSES.get(reg.status, reg.status)),
            "waitlist_position": positions.get(reg.id),
            "full_name": reg.full_name,
            "email": reg.email,
            "phone": reg.phone,
            "country": reg.country,
            "country_name": country_name(reg.country, locale),
            "city": reg.city,
            "home_region": str(HOME_REGIONS.get(reg.home_region, reg.home_region or "")),
            "organization": reg.organization.name if reg.organization is not None else "",
            "sector": str(SECTORS.get(reg.sector, reg.sector or "")),
            "sessions": "; ".join(session_titles.get(sid, str(sid)) for sid in reg.session_ids),
            "public_listing": _yes_no(reg.public_listing),
            "language": language_name(reg.language, locale),
            "registered_at": when(reg.created_at),
            "checked_in_at": when(reg.checked_in_at),
            "delegation": reg.delegation.label if reg.delegation is not None else "",
        }
        row = []
        for key, _label in COLUMNS:
            if key == "answers":
                row += [_answer(q, answers.get(str(q.id)), locale) for q in questions]
            else:
                value = values[key]
                row.append("" if value is None else value)
        rows.append(row)
    return header, rows


def registrations_csv(event, registrations, locale: str) -> str:
    """CSV text (no BOM: the view adds one for Excel if it wants)."""
    with in_locale(locale):
        header, rows = table(event, registrations, locale)
    out = StringIO()
    write_csv(out, [header, *rows])
    return out.getvalue()


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_title(text: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\, no apostrophe at either end."""
    title = " ".join(_SHEET_FORBIDDEN.sub(" ", text or "").split())[:31].strip().strip("'").strip()
    if not title or title.casefold() == "history":  # "History" is reserved by Excel
        return "Registrations"
    return title


def _text_cell(sheet, value: str) -> Cell:
    # Characters XML cannot carry are dropped; the cell is then stored as a string, because openpyxl
    # reads any text starting with "=" as a formula.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT])
    cell.data_type = "s"
    return cell


def registrations_xlsx(event, registrations, locale: str) -> bytes:
    """An .xlsx workbook with one sheet named after the event, the header bold and frozen."""
    with in_locale(locale):
        header, rows = table(event, registrations, locale)
        title = sheet_title(event.title(locale))
    return workbook(title, header, rows)


def workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    """One sheet: the header bold and frozen; whole numbers as numbers, everything else as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, label in enumerate(header, start=1):
        longest = max([len(label)] + [len(str(row[index - 1])) for row in rows[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest, 6) + 2, 50)

    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = _text_cell(sheet, label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([value if isinstance(value, int) and not isinstance(value, bool) else _text_cell(sheet, str(value))
                      for value in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


PROJECT_COLUMNS = (
    ("id", _l("ID")),
    ("status", _l("Status")),
    ("title", _l("Project title")),
    ("home_region", _l("Region")),
    ("district", _l("District")),
    ("sector", _l("Sector")),
    ("amount", _l("Amount sought")),
    ("currency", _l("Currency")),
    ("stage", _l("Stage")),
    ("summary", _l("Summary")),
    ("contact_consent", _l("Contact through the organizers")),
    ("public_consent", _l("Listed publicly")),
    ("author", _l("Author")),
    ("email", _l("Email")),
    ("phone", _l("Phone")),
    ("average", _l("Average score")),
    ("reviews", _l("Reviews")),
    ("decision_reason", _l("Decision reason")),
    ("session", _l("Session")),
    ("submitted_at", _l("Submitted at")),
)


def projects_table(event, rows, locale: str) -> tuple[list[str], list[list]]:
    """The header and one row per (project, average score, number of reviews), as events.projects.listing
    gives them; the average as text ("4.5"), the amount as a number."""
    tz = ZoneInfo(event.timezone or "UTC")
    header = [f"{label} ({event.timezone})" if key == "submitted_at" else str(label) for key, label in PROJECT_COLUMNS]
    out = []
    for project, average, reviews in rows:
        author = project.registration
        values = {
            "id": project.id, "status": str(PROJECT_STATUSES.get(project.status, project.status)),
            "title": project.title,
            "home_region": str(HOME_REGIONS.get(project.home_region, project.home_region or "")),
            "district": project.district, "sector": str(SECTORS.get(project.sector, project.sector or "")),
            "amount": project.amount, "currency": project.currency if project.amount is not None else "",
            "stage": str(PROJECT_STAGES.get(project.stage, project.stage)), "summary": project.summary,
            "contact_consent": _yes_no(project.contact_consent), "public_consent": _yes_no(project.public_consent),
            "author": author.full_name if author else "", "email": author.email if author else "",
            "phone": author.phone if author else "",
            "average": f"{average:.1f}" if average is not None else "", "reviews": reviews,
            "decision_reason": project.decision_reason,
            "session": project.session.title(locale) if project.session else "",
            "submitted_at": project.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        }
        out.append(["" if values[key] is None else values[key] for key, _label in PROJECT_COLUMNS])
    return header, out


def projects_csv(event, rows, locale: str) -> str:
    with in_locale(locale):
        header, body = projects_table(event, rows, locale)
    out = StringIO()
    write_csv(out, [header, *body])
    return out.getvalue()


def projects_xlsx(event, rows, locale: str) -> bytes:
    with in_locale(locale):
        header, body = projects_table(event, rows, locale)
    return workbook(sheet_title(_("Projects")), header, body)
