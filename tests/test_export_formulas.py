"""Every export is formula-safe whatever the spreadsheet's list separator: Excel in a Russian or Kyrgyz locale
splits CSV lines on `;`, so a formula may start after any `;` (or `,`) inside a cell, not only at its start.
Each CSV is parsed back as Excel would, with `,` and with `;`, and no cell may start a formula; the XLSX export
stores text as strings."""
import csv
import io
import re
import zipfile

import pytest
from sqlalchemy import select, update

from tests.assistance_helpers import REQUEST

PAYLOADS = ["Ivan;=cmd|' /C calc'!A0;", "=1+1", "+7 900", "@SUM(A1)", "a,=1+1", '"; =1+1']
FORMULA = ("=", "+", "-", "@")
# a sign and digits, spaces, brackets, dots, dashes, slashes: a phone or a number, nothing a formula can call
NUMBER_LIKE = re.compile(r"[+-][0-9 ().\-/+]*")


def assert_no_formula_cell(text: str, payloads=PAYLOADS) -> None:
    """Parse as a spreadsheet would with either list separator. A cell that starts with a tab or a line break
    before a formula is a formula too, and so is one that starts with a quote before it (Excel drops it)."""
    for delimiter in ",;":
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        for cell in (cell for row in rows for cell in row):
            start = cell.lstrip(" \t\r\n\"")
            assert not start.startswith(FORMULA) or NUMBER_LIKE.fullmatch(start.rstrip(" \"")), (delimiter, cell)
    fields = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    from diaspora.csvsafe import escape_cell, unescape_cell

    for payload in payloads:  # and with `,` every payload is there, marked, in a cell of its own
        assert escape_cell(payload) in fields or escape_cell(payload, after_cell_start=False) in fields
        assert unescape_cell(escape_cell(payload)) == payload


def test_the_helper_quotes_every_field_and_marks_every_place_a_cell_can_start():
    from diaspora.csvsafe import escape_cell, unescape_cell, write_csv

    assert escape_cell("Ivan;=cmd|' /C calc'!A0;") == "Ivan;'=cmd|' /C calc'!A0;"
    assert escape_cell('"; =1+1') == '"; \'=1+1'
    assert escape_cell("+7 900") == "'+7 900" and escape_cell("a,=1+1") == "a,'=1+1"
    # a phone after an ordinary field stays as it is; not "+7 900;=1" nor "+7 cmd", nor after a field ending in ;
    assert escape_cell("+7 900", after_cell_start=False) == "+7 900"
    assert escape_cell("+7 900;=1", after_cell_start=False) == "'+7 900;'=1"
    assert escape_cell("+7 cmd", after_cell_start=False) == "'+7 cmd"
    assert escape_cell("Бишкек; Ош") == "Бишкек; Ош" and escape_cell(-5) == "-5"
    odd = ["'=x", "a;'=b", "a;''x", "x\n=1", "\t=1", 'a;""=1', "'abc", "\r=1", ";", '"', " =1"]
    for value in PAYLOADS + odd:
        assert unescape_cell(escape_cell(value)) == value, value
    out = io.StringIO()
    assert write_csv(out, [["a", "b"], *([value, value] for value in PAYLOADS + odd)]) == 1 + len(PAYLOADS + odd)
    assert out.getvalue().startswith('"a","b"\r\n')
    assert_no_formula_cell(out.getvalue())


@pytest.fixture
def event_with_payloads(client, make_event, event_question):
    slug = make_event(questions=[{"kind": "text", "label": "Суроо"}])
    question = event_question(slug)
    for number, payload in enumerate(PAYLOADS):
        response = client.post(f"/api/v1/events/{slug}/registrations", json={
            "full_name": payload, "email": f"p{number}@example.org", "country": "KG", "city": payload,
            "project_title": payload, "project_text": payload, "answers": {str(question): payload}, "consent": True})
        assert response.status_code == 201, response.get_json()
    return slug


@pytest.fixture
def event_question(db_query):
    from diaspora.models import Event, EventQuestion

    def first(slug):
        return db_query(lambda db: db.session.scalar(
            select(EventQuestion.id).join(Event, Event.id == EventQuestion.event_id).where(Event.slug == slug)))
    return first


def test_registrations_csv(client, make_user, login, event_with_payloads):
    login(make_user(is_admin=True))
    response = client.get(f"/events/{event_with_payloads}/manage/export.csv")
    assert response.status_code == 200
    assert_no_formula_cell(response.data.decode("utf-8-sig"))


def test_registrations_xlsx_stores_text_as_strings(client, make_user, login, event_with_payloads):
    from openpyxl import load_workbook

    login(make_user(is_admin=True))
    data = client.get(f"/events/{event_with_payloads}/manage/export.xlsx").data
    (sheet,) = load_workbook(io.BytesIO(data)).worksheets
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    for payload in PAYLOADS:
        found = [cell for cell in cells if cell.value == payload]
        assert found and all(cell.data_type == "s" for cell in found), payload
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_help_coordination_csv(client, make_user, make_org, login, db_query):
    """Cities and association names reach the site admins' export as they were stored."""
    from diaspora.models import HelpRequest

    references = []
    for payload in PAYLOADS:
        org_id = make_org(name=payload)
        response = client.post("/api/v1/help-requests", json=REQUEST)
        assert response.status_code == 201, response.get_json()
        reference = response.get_json()["reference"]
        references.append(reference)

        def store(db, payload=payload, org_id=org_id, reference=reference):
            db.session.execute(update(HelpRequest).where(HelpRequest.reference == reference)
                               .values(city=payload, accepted_org_id=org_id))
            db.session.commit()
        db_query(store)
    login(make_user(is_admin=True))
    response = client.get("/help/coordination/export.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert all(reference in text for reference in references)
    assert_no_formula_cell(text)


def test_directory_export(runner, make_org, tmp_path):
    for payload in PAYLOADS:
        make_org(name=payload, address=payload, description=payload)
    path = tmp_path / "directory.csv"
    result = runner.invoke(args=["export-organizations", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Exported {len(PAYLOADS)} associations" in result.output
    assert_no_formula_cell(path.read_text(encoding="utf-8"))
