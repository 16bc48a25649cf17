"""Calendar files, QR codes, PDF tickets and badges, and the registrations export (CSV, XLSX)."""
import csv
import io
import re
import secrets
import zipfile
from datetime import UTC, datetime

import icalendar
import pytest
import qrcode
from flask_babel import force_locale
from openpyxl import load_workbook

from diaspora.database import utcnow
from diaspora.events.documents import (
    badges_pdf,
    draw_qr,
    event_ics,
    fit,
    printable,
    register_fonts,
    ticket_pdf,
)
from diaspora.events.exports import (
    registrations_csv,
    registrations_xlsx,
    sheet_title,
    waitlist_positions,
)
from diaspora.extensions import db
from diaspora.models import Event, EventQuestion, EventSession, Registration, RegistrationSession
from diaspora.qr import qr_matrix, qr_svg

HOSTILE = 'Forum, «Мекендештер»; 2026\r\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:pwned \\N <b>&amp;'
FORMULAS = ['=HYPERLINK("http://x")', "+7 999", "-1", "@x"]


def utc(*args) -> datetime:
    return datetime(*args).replace(tzinfo=UTC)


def content(values: dict) -> dict:
    """Model values with translatable fields written as before (title_ky="…", room="…") turned into
    {language: text} (a single text is Kyrgyz)."""
    out: dict = {}
    for key, value in values.items():
        name, _, lang = key.rpartition("_")
        if name in ("title", "description", "label") and lang in ("ky", "ru", "en"):
            out.setdefault(name, {})[lang] = value
        elif key in ("venue_name", "venue_address", "room") and isinstance(value, str):
            out[key] = {"ky": value}
        else:
            out[key] = value
    return out


def add_event(title="Мекендештер форуму", **fields) -> Event:
    values = dict(slug=f"forum-{secrets.token_hex(4)}", title_ky=title, title_ru="Форум соотечественников",
                  title_en="Forum of Compatriots", description_ky="Дүйнөлүк кыргыздар", timezone="Asia/Bishkek",
                  starts_at=utc(2026, 6, 15, 3, 0), ends_at=utc(2026, 6, 15, 12, 0), venue_name="Ала-Тоо",
                  venue_address="Чүй проспекти 1", city="Бишкек", country="KG", latitude=42.8746,
                  longitude=74.5698, status="published")
    values.update(fields)
    event = Event(**content(values))
    db.session.add(event)
    db.session.flush()
    return event


def add_registration(event, n=1, **fields) -> Registration:
    values = dict(event_id=event.id, token=secrets.token_urlsafe(16), code=f"AB{n:06d}"[:8],
                  full_name=f"Айгүл Өмүрбекова {n}", email=f"p{n}@example.org", country="RU", city="Москва",
                  consented_at=utcnow(), status="confirmed", language="ky")
    values.update(fields)
    registration = Registration(**values)
    db.session.add(registration)
    db.session.flush()
    return registration


def add_session(event, title="Инвестиция", room="Зал 2", **fields) -> EventSession:
    values = dict(event_id=event.id, title_ky=title, room=room, starts_at=utc(2026, 6, 15, 4, 0),
                  ends_at=utc(2026, 6, 15, 5, 30))
    values.update(fields)
    session = EventSession(**content(values))
    db.session.add(session)
    db.session.flush()
    return session


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


# --- calendar --------------------------------------------------------------------------------------

def test_ics_parses_back(app):
    with app.app_context():
        event = add_event()
        session = add_session(event)
        data = event_ics(event, "ky", sessions=[session], url="https://example.org/events/forum", note="Код: AB12")
    cal = icalendar.Calendar.from_ical(data)
    main, part = cal.walk("VEVENT")
    assert str(main["summary"]) == "Мекендештер форуму"
    assert main["uid"] == f"event-{event.id}@diaspora"
    assert main.decoded("dtstart") == utc(2026, 6, 15, 3, 0)
    assert main.decoded("dtstart").utcoffset().total_seconds() == 0
    assert b"DTSTART:20260615T030000Z" in data
    assert str(main["location"]) == "Ала-Тоо, Чүй проспекти 1, Бишкек"
    assert "Код: AB12" in str(main["description"]) and "https://example.org/events/forum" in str(main["description"])
    assert str(main["url"]) == "https://example.org/events/forum"
    assert main["geo"].latitude == pytest.approx(42.8746)
    assert str(part["summary"]) == "Мекендештер форуму: Инвестиция"
    assert part["uid"] == f"session-{session.id}@diaspora"
    assert str(part["location"]).startswith("Зал 2, Ала-Тоо")


def test_ics_online_event_location(app):
    with app.app_context():
        event = add_event(venue_name="", venue_address="", city="", latitude=None, longitude=None,
                          online_url="https://meet.example.org/forum")
        cal = icalendar.Calendar.from_ical(event_ics(event, "en"))
    (main,) = cal.walk("VEVENT")
    assert str(main["location"]) == "https://meet.example.org/forum"
    assert "geo" not in main
    assert str(main["summary"]) == "Forum of Compatriots"


def test_ics_hostile_text_stays_inside_its_property(app):
    with app.app_context():
        event = add_event(title=HOSTILE, venue_name="Hall; A, B\nBEGIN:VALARM")
        sessions = [add_session(event, title="X\r\nEND:VCALENDAR", room="R;1")]
        data = event_ics(event, "ky", sessions=sessions, note="a\nBEGIN:VTODO")
    cal = icalendar.Calendar.from_ical(data)
    assert len(cal.walk("VEVENT")) == 2
    assert not cal.walk("VTODO") and not cal.walk("VALARM")
    main, part = cal.walk("VEVENT")
    # The library reads "\N" as a newline (RFC 5545 allows both), so that one pair comes back changed.
    assert str(main["summary"]) == HOSTILE.replace("\r\n", "\n").replace("\\N", "\n")
    assert str(main["location"]).startswith("Hall; A, B\nBEGIN:VALARM")
    assert str(part["summary"]).endswith(": X\nEND:VCALENDAR")
    lines = data.decode().split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 2 and lines.count("END:VCALENDAR") == 1


# --- QR --------------------------------------------------------------------------------------------

def test_qr_matrix_is_qrcodes_matrix():
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data("K7MP2QXD")
    code.make(fit=True)
    assert qr_matrix("K7MP2QXD") == code.get_matrix()
    assert len(qr_matrix("K7MP2QXD")) == 21 + 8  # version 1 and the quiet zone


def test_qr_svg_is_inline_and_labelled():
    svg = qr_svg("K7MP2QXD", 180, label='Code "K7MP" <script>')
    assert svg.startswith("<svg ") and "<?xml" not in svg
    assert 'role="img"' in svg and 'width="180"' in svg and 'fill="#fff"' in svg
    assert 'aria-label="Code &#34;K7MP&#34; &lt;script&gt;"' in svg
    assert "<script>" not in svg and 'id="' not in svg
    assert 'viewBox="0 0 29 29"' in svg


# --- PDF -------------------------------------------------------------------------------------------

def test_ticket_pdf(app):
    with app.test_request_context():
        event = add_event(online_url="https://meet.example.org/" + "x" * 250)
        sessions = [add_session(event, title=f"Сессия {i} " + "өңү " * 30, room="Зал") for i in range(12)]
        registration = add_registration(event, full_name="Нурбек " + "Ө" * 170 + " 🎉 <b>&amp;</b>")
        pdf = ticket_pdf(registration, event, "ky", sessions=sessions, manage_url="https://example.org/r/" + "t" * 43)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1024
    assert b"DejaVuSans" in pdf and b"DejaVuSans-Bold" in pdf
    assert page_count(pdf) == 1


def test_printable_and_fit_handle_hostile_text(app):
    with app.app_context():
        register_fonts()
    assert printable("Айгүл 🌸\n\tӨмүрбекова\x00") == "Айгүл Өмүрбекова"
    assert printable("王芳") == "??"
    size, lines = fit("W" * 500, "DejaVuSans-Bold", 20, 10, 100, 2)
    assert size == 10 and len(lines) == 2 and lines[-1].endswith("…")
    size, lines = fit("Асан Үсөнов", "DejaVuSans-Bold", 20, 10, 300, 2)
    assert (size, lines) == (20, ["Асан Үсөнов"])


def test_draw_qr_on_canvas():
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    draw_qr(canvas, qr_matrix("K7MP2QXD"), 10, 10, 100)
    canvas.save()
    assert out.getvalue().startswith(b"%PDF")


def test_badges_pages(app, make_org):
    org_id = make_org(name="Кыргыз биримдиги «Ата-Мекен» & <Co>")
    with app.app_context():
        event = add_event()
        registrations = [add_registration(event, n, organization_id=org_id if n % 2 else None)
                         for n in range(1, 21)]
        registrations[0].full_name = "Өмүрбек " + "Ң" * 150
        registrations[1].city = "=cmd|' /C calc'!A0 🎉"
        pdf = badges_pdf(registrations, event, "ru")
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 3
    assert b"DejaVuSans-Bold" in pdf


@pytest.mark.slow
def test_a_thousand_badges_make_one_document(app):
    """1,000 badges, eight a page. How long it takes is measured by bench/bench_documents.py, not here."""
    with app.app_context():
        event = add_event()
        registrations = [Registration(id=n, event_id=event.id, code=f"Q{n:07d}", full_name=f"Бакыт Жумабаев {n}",
                                      country="KZ", city="Алматы", status="confirmed") for n in range(1000)]
        pdf = badges_pdf(registrations, event, "ky")
    assert page_count(pdf) == 125


# --- exports ---------------------------------------------------------------------------------------

@pytest.fixture
def export_data(app, make_org):
    """An event with a question of each kind, and registrations full of formulas and Cyrillic."""
    org_id = make_org(name="=Ассоциация")
    with app.app_context():
        event = add_event(title_ru="Forum: [2026] / ?*")
        session_a = add_session(event, title="Инвестиция")
        session_b = add_session(event, title="Миграция")
        questions = [
            EventQuestion(event_id=event.id, kind="text", label={"ky": "Суроо", "ru": "Вопрос"}, position=0),
            EventQuestion(event_id=event.id, kind="choice", label={"ru": "Питание"}, position=1,
                          options=[{"ru": "Обычное"}, {"ru": "Халяль"}]),
            EventQuestion(event_id=event.id, kind="yesno", label={"ru": "Нужна виза?"}, position=2),
        ]
        db.session.add_all(questions)
        db.session.flush()
        first = add_registration(event, 1, full_name=FORMULAS[0], phone=FORMULAS[1], city=FORMULAS[2],
                                 organization_id=org_id, home_region="naryn",
                                 sector="it", answers={str(questions[0].id): "=1+1", str(questions[1].id): 1,
                                                       str(questions[2].id): True},
                                 checked_in_at=utc(2026, 6, 15, 3, 5))
        db.session.add_all([RegistrationSession(registration_id=first.id, session_id=session_a.id),
                            RegistrationSession(registration_id=first.id, session_id=session_b.id)])
        add_registration(event, 2, full_name="Айгүл Өмүрбекова", status="waitlisted", waitlist_seq=7)
        add_registration(event, 3, status="waitlisted", waitlist_seq=3)
        db.session.commit()
        return event.id


def _load(app, event_id):
    event = db.session.get(Event, event_id)
    registrations = db.session.scalars(db.select(Registration).where(Registration.event_id == event_id)
                                       .order_by(Registration.id)).all()
    return event, registrations


def test_waitlist_positions(app, export_data):
    with app.app_context():
        event, registrations = _load(app, export_data)
        assert waitlist_positions(event.id) == {registrations[2].id: 1, registrations[1].id: 2}


def test_csv_escapes_formulas_and_keeps_cyrillic(app, export_data):
    with app.test_request_context(), force_locale("ru"):
        event, registrations = _load(app, export_data)
        text = registrations_csv(event, registrations, "ru")
    rows = list(csv.reader(io.StringIO(text)))
    header, first, second, third = rows
    assert header[:9] == ["ID", "Статус", "Номер в листе ожидания", "Имя и фамилия", "Электронная почта", "Телефон",
                          "Код страны", "Страна", "Город"]
    assert header.index("Вопрос") < header.index("Питание") < header.index("Нужна виза?")
    row = dict(zip(header, first, strict=True))
    assert row["Имя и фамилия"] == "'" + FORMULAS[0]
    assert row["Телефон"] == "+7 999" and row["Город"] == "-1"
    assert row["Ассоциация"] == "'=Ассоциация" and row["Вопрос"] == "'=1+1"
    assert row["Питание"] == "Халяль" and row["Нужна виза?"] == "Да"
    assert row["Страна"] == "Россия" and row["Секции"] == "Инвестиция; Миграция"
    assert row["Время прихода (Asia/Bishkek)"] == "2026-06-15 09:05"
    assert dict(zip(header, second, strict=True))["Имя и фамилия"] == "Айгүл Өмүрбекова"
    assert dict(zip(header, second, strict=True))["Номер в листе ожидания"] == "2"
    assert dict(zip(header, third, strict=True))["Номер в листе ожидания"] == "1"


def test_xlsx_keeps_formulas_as_text(app, export_data):
    with app.test_request_context(), force_locale("ru"):
        event, registrations = _load(app, export_data)
        data = registrations_xlsx(event, registrations, "ru")
    book = load_workbook(io.BytesIO(data))
    (sheet,) = book.worksheets
    assert sheet.title == "Forum 2026"
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert "Страна" in header and "Город" in header and "Электронная почта" in header
    assert sheet.cell(1, 1).font.b
    cells = {header[i]: cell for i, cell in enumerate(sheet[2])}
    for name, value in [("Имя и фамилия", FORMULAS[0]), ("Телефон", FORMULAS[1]), ("Город", FORMULAS[2]),
                        ("Ассоциация", "=Ассоциация"), ("Вопрос", "=1+1")]:
        assert cells[name].data_type == "s", name
        assert cells[name].value == value
    assert cells["ID"].data_type == "n" and isinstance(cells["ID"].value, int)
    assert cells["Страна"].value == "Россия"
    waitlisted = {header[i]: cell.value for i, cell in enumerate(sheet[3])}
    assert waitlisted["Имя и фамилия"] == "Айгүл Өмүрбекова" and waitlisted["Номер в листе ожидания"] == 2
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # no cell was written as a formula
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("title, expected", [
    ("Forum: [2026] / ?*", "Forum 2026"),
    ("'Мекендештер' форуму — " + "ө" * 40, None),
    ("", "Registrations"),
    ("History", "Registrations"),
])
def test_sheet_title(title, expected):
    result = sheet_title(title)
    assert len(result) <= 31 and not set(result) & set("[]:*?/\\")
    assert not result.startswith("'") and not result.endswith("'")
    if expected:
        assert result == expected
    else:
        from openpyxl import Workbook

        Workbook().create_sheet(result)  # openpyxl refuses names Excel refuses
