"""flask import-organizations / export-organizations / seed-demo."""
import csv

import pytest
from sqlalchemy import func, select

from diaspora.models import Organization, OrganizationRevision

HEADER = "name,country,city,address,latitude,longitude,categories,languages,email,phone,website,description\n"


def write(tmp_path, body, name="orgs.csv", header=HEADER):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return str(path)


def count(db_query, **filters):
    return db_query(lambda db: db.session.scalar(
        select(func.count()).select_from(Organization).filter_by(**filters)))


def test_import_valid_rows_report_bad_ones_with_line_numbers(runner, tmp_path, db_query):
    path = write(tmp_path, (
        "Кыргыз биримдиги,RU,Москва,,55.7558,37.6173,adaptation;legal-aid,ky;ru,"
        'info@example.org,+7 495 000 0000,example.org,"Жардам, кеңеш"\n'
        ",RU,Москва,,,,,,,,,\n"                                   # line 3: no name
        "Ала-Тоо,ZZ,Dubai,,,,,,,,,\n"                              # line 4: bad country
        'Multi line,KG,Бишкек,,,,culture,ky,,,,"three\nshort\nlines"\n'  # lines 5-7: a quoted cell spanning lines
        "Bad coords,KG,Ош,,95,10,,,,,,\n"                          # line 8
        "Bad service,KG,Ош,,,,cooking,,,,,\n"                      # line 9
        "Bad mail,KG,Ош,,,,,,not-an-email,,,\n"                    # line 10
        "Seoul club,KR,Сеул,,,,employment,ko;ky,,,,\n"             # line 11: geocoded
    ))
    result = runner.invoke(args=["import-organizations", path])
    assert result.exit_code == 1
    out = result.output
    assert "line 3: name: This field is required." in out
    assert "line 4: country" in out
    assert "line 8: latitude" in out
    assert "line 9: categories: unknown cooking" in out
    assert "line 10: email" in out
    assert "Created 3, updated 0, unchanged 0, rejected 5." in out
    assert count(db_query, status="pending") == 3
    seoul = db_query(lambda db: db.session.scalar(select(Organization).where(Organization.name == "Seoul club")))
    assert seoul.latitude == pytest.approx(37.57, abs=0.1) and seoul.location_source == "city"
    assert seoul.languages == ["ko", "ky"] and seoul.category_slugs == ["employment"]


def test_each_imported_row_looks_its_place_up_within_its_own_time_budget(runner, tmp_path, monkeypatch):
    """One GEOCODER_TIMEOUT per row (geo.geocoder.geocoding_budget), not one for the whole file, nor none."""
    from diaspora.directory import transfer
    from diaspora.geo import geocoder

    budgets, lookup = [], transfer.geocode_city

    def looking_up(city, country):
        budgets.append(geocoder._operation_budget.get())
        return lookup(city, country)

    monkeypatch.setattr(transfer, "geocode_city", looking_up)
    path = write(tmp_path, "Ала-Тоо,KG,Ош,,,,,,,,,\nМанас,KG,Бишкек,,,,,,,,,\n")
    assert runner.invoke(args=["import-organizations", path]).exit_code == 0
    assert len(budgets) == 2 and None not in budgets and budgets[0] is not budgets[1]


def test_reimport_updates_instead_of_duplicating_and_keeps_history(runner, tmp_path, db_query):
    path = write(tmp_path, "Ала-Тоо,AE,Dubai,,25.2,55.27,employment,ky;ru,,,,Old text\n")
    assert runner.invoke(args=["import-organizations", path, "--publish"]).exit_code == 0
    path = write(tmp_path, "АЛА-ТОО,AE,dubai,,25.2,55.27,employment;legal-aid,ky;ru,,,,New text\n")
    result = runner.invoke(args=["import-organizations", path])
    assert "Created 0, updated 1, unchanged 0" in result.output
    assert count(db_query) == 1
    org = db_query(lambda db: db.session.scalar(select(Organization)))
    assert org.description == {"en": "New text"} and sorted(org.category_slugs) == ["employment", "legal-aid"]
    assert org.status == "published"  # an update does not unpublish
    revisions = db_query(lambda db: db.session.scalars(
        select(OrganizationRevision).order_by(OrganizationRevision.id)).all())
    assert [r.action for r in revisions] == ["imported", "imported"]
    # an old file's one description: its language guessed from its letters
    assert revisions[1].changes["description"] == [{"en": "Old text"}, {"en": "New text"}]
    result = runner.invoke(args=["import-organizations", path])
    assert "Created 0, updated 0, unchanged 1" in result.output


def test_import_rejects_a_file_without_the_columns(runner, tmp_path):
    path = write(tmp_path, "x,y\n", header="title,place\n")
    result = runner.invoke(args=["import-organizations", path])
    assert result.exit_code != 0 and "missing columns" in result.output


def test_import_handles_excel_bom_and_semicolon_lists(runner, tmp_path, db_query):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "Kyrgyz Club,US,New York,,,,culture;youth,en;ky,,,,\n").encode("utf-8"))
    assert runner.invoke(args=["import-organizations", str(path), "--publish"]).exit_code == 0
    assert count(db_query, status="published") == 1


def test_export_reimports_to_the_same_data(runner, tmp_path, make_org, db_query, app):
    make_org(name="=HYPERLINK(\"http://evil\")", city="Москва",
             description="+1 формула; «кавычки», \"quotes\"\nвторая строка", phone="+996 555 123 456",
             categories=("legal-aid", "adaptation"), languages=("ky", "ru"), address="-ул. Ленина 1")
    make_org(name="Ош борбору", country="KG", city="Ош", lat=None, lng=None, categories=(), languages=())
    make_org(name="Pending", status="pending", country="TR", city="Istanbul", lat=41.0, lng=28.97)
    first = tmp_path / "first.csv"
    assert runner.invoke(args=["export-organizations", str(first)]).exit_code == 0
    with first.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    # the description in each content language, in columns of their own
    assert rows[0] == [*HEADER.strip().split(",")[:-1], "description_ky", "description_ru", "description_en"]
    cells = [cell for row in rows[1:] for cell in row]
    # formula injection escaped; a phone, which no formula can start with, is exported as it is
    assert not any(cell.startswith(("=", "+", "-", "@")) and cell != "+996 555 123 456" for cell in cells)
    assert "+996 555 123 456" in cells
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)

    with app.app_context():  # wipe and re-import
        from diaspora.extensions import db

        for org in db.session.scalars(select(Organization)):
            db.session.delete(org)
        db.session.commit()
    assert runner.invoke(args=["import-organizations", str(first)]).exit_code == 0
    second = tmp_path / "second.csv"
    runner.invoke(args=["export-organizations", str(second)])
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    name = db_query(lambda db: db.session.scalar(select(Organization.name).where(Organization.city == "Москва")))
    assert name == "=HYPERLINK(\"http://evil\")"


def test_export_only_published(runner, tmp_path, make_org):
    make_org(name="Shown")
    make_org(name="Hidden", status="pending")
    path = tmp_path / "out.csv"
    runner.invoke(args=["export-organizations", str(path), "--status", "published"])
    text = path.read_text(encoding="utf-8")
    assert "Shown" in text and "Hidden" not in text


def test_seed_demo_is_marked_and_runs_once(runner, db_query):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    total = count(db_query)
    assert total >= 30 and count(db_query, is_demo=True) == total
    cities = set(db_query(lambda db: db.session.scalars(select(Organization.city)).all()))
    assert {"Москва", "Екатеринбург", "Сеул", "New York", "Dubai", "London", "Berlin", "İstanbul"} <= cities
    positioned = db_query(lambda db: db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.latitude.is_not(None))))
    assert positioned == total
    assert "added: 0" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    assert count(db_query) == total
    from diaspora.models import Event

    titles = db_query(lambda db: db.session.scalars(select(Event.title)).all())
    assert len(titles) == 2 and all("(демо)" in t["ru"] for t in titles)
    from diaspora.models import HelpOffer

    offers = db_query(lambda db: db.session.scalars(select(HelpOffer)).all())
    assert len(offers) >= 6 and all("(demo)" in o.title["en"] for o in offers)


def test_import_of_many_rows_is_batched(runner, tmp_path, db_query):
    """2,500 rows cross several batches; within-file duplicates collapse into one entry."""
    lines = [f"Association {i},RU,Москва,,{55 + i / 10000:.4f},{37 + i / 10000:.4f},adaptation,ky;ru,,,,\n"
             for i in range(2500)]
    lines.append("Association 7,RU,Москва,,55.5,37.5,legal-aid,ky,,,,dup\n")
    path = write(tmp_path, "".join(lines))
    result = runner.invoke(args=["import-organizations", path, "--publish"])
    assert result.exit_code == 0, result.output
    assert "Created 2500" in result.output
    assert count(db_query, status="published") == 2500


def test_import_reports_nul_characters_and_broken_quoting(runner, tmp_path, db_query):
    path = write(tmp_path, "Good,KG,Ош,,,,,,,,,\nBad\x00name,KG,Ош,,,,,,,,,\n")
    result = runner.invoke(args=["import-organizations", path])
    assert "line 3: name: Contains an invisible control character (U+0000)" in result.output
    assert count(db_query) == 1
    path = write(tmp_path, 'Fine,KG,Ош,,,,,,,,,\n"Unterminated,KG,Ош,,,,,,,,,\n' + "x" * 2_000_000 + "\n",
                 name="big.csv")
    result = runner.invoke(args=["import-organizations", path])
    assert result.exit_code != 0 and "line 3" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("folder", ["tests", "templates", "/"])
def test_flask_help_lists_the_commands_from_any_folder(folder):
    """A newcomer's first `flask --app diaspora --help`: the commands, not a stack trace about SECRET_KEY.
    The checkout is on the path as the venv's diaspora-checkout.pth puts it (see the Makefile)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "DIASPORA_ENV", "FLASK_APP", "DATABASE_URL")}
    env["PYTHONPATH"] = str(root)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "diaspora", "--help"], cwd=root / folder,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "seed-demo" in result.stdout and "send-reminders" in result.stdout
    assert "Traceback" not in result.stderr
