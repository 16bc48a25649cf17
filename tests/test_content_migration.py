"""The migration to content in any language moves every translated column's data and back, on SQLite and on
PostgreSQL (DATABASE_URL): upgrade from the previous head with data in every column, check, downgrade, check.
It runs on a scratch database (a file, or a schema of its own), not the suite's."""
import os
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from diaspora import create_app
from diaspora.config import database_url
from tests.conftest import GAZETTEER_PATH

BEFORE = "03eb04700d5b"
CONTENT = "8e2b4c6d0f13"  # 5c1f0e7a9d21 (events, offers, services), then associations' descriptions
MOMENT = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def scratch(tmp_path):
    """An app on an empty database of its own."""
    url = os.environ.get("DATABASE_URL")
    schema = admin = None
    if url:
        schema = f"mig_{uuid.uuid4().hex[:12]}"
        base = database_url("")
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    else:
        url = f"sqlite:///{tmp_path / 'migration.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "GAZETTEER_PATH": GAZETTEER_PATH})
    yield app
    with app.app_context():
        from diaspora.extensions import db

        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return MOMENT
    if isinstance(kind, (sa.Integer, sa.Float, sa.Numeric)):
        return 0
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def _insert(conn, table_name: str, **values) -> int:
    """A row whose required columns not given are filled with something of their type."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    row = {column.name: _filler(column) for column in table.columns
           if not column.nullable and column.server_default is None and not column.primary_key}
    row.update(values)
    return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()


def _row(conn, name: str, row_id: int) -> dict:
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    return dict(conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().one())


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


def trio(word: str) -> dict:
    return {"_ky": f"{word} кыргызча", "_ru": f"{word} по-русски", "_en": f"{word} in English"}


def split(name: str, word: str) -> dict:
    return {name + suffix: text for suffix, text in trio(word).items()}


def test_translated_columns_move_to_one_object_and_back(scratch):
    with scratch.app_context():
        from diaspora.extensions import db

        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            org = _insert(conn, "organizations", name="Мекен", status="published", country="KG", city="Бишкек",
                          description="Мекендештерге жардам: укук, жумуш, көнүү.\nЭкинчи сап.")
            english = _insert(conn, "organizations", name="Club", status="published", country="US", city="NYC",
                              description="We help compatriots.")
            edit = _insert(conn, "organization_edits", organization_id=org, status="pending",
                           changes={"description": "Помогаем землякам.", "city": "Ош"})
            revision = _insert(conn, "organization_revisions", organization_id=org, action="updated",
                               changes={"description": ["", "Помогаем."], "name": ["A", "B"]})
            category = _insert(conn, "categories", slug="housing", position=500, **split("name", "Турак"))
            event = _insert(conn, "events", slug="forum", status="draft", organization_id=org,
                            **split("title", "Форум"), **split("description", "Сүрөттөмө\nэки сап"),
                            venue_name="Ала-Тоо", venue_address="Чүй проспекти 1")
            # a title in Russian only: the venue, written once, is filed under Russian
            other = _insert(conn, "events", slug="ru-only", status="draft", title_ky="", title_ru="Только",
                            title_en="", venue_name="Дом культуры", venue_address="")
            session = _insert(conn, "event_sessions", event_id=event, room="Зал 1", **split("title", "Секция"))
            question = _insert(conn, "event_questions", event_id=event, kind="choice",
                               options=[{"ky": "Эт", "ru": "Мясо", "en": "Meat"}], **split("label", "Суроо"))
            offer = _insert(conn, "help_offers", organization_id=org, category_id=category, scope="city",
                            status="active", **split("title", "Жардам"), **split("description", "Кеңеш"))
            seeded = conn.execute(sa.text("SELECT id, name_ky, name_ru, name_en FROM categories "
                                          "WHERE slug = 'legal-aid'")).one()

        upgrade(revision=CONTENT)
        with db.engine.begin() as conn:
            def texts(word):
                return {lang[1:]: text for lang, text in trio(word).items()}

            moved = _row(conn, "events", event)
            assert _json(moved["title"]) == texts("Форум")
            assert _json(moved["description"]) == texts("Сүрөттөмө\nэки сап")
            assert _json(moved["venue_name"]) == {"ky": "Ала-Тоо"}
            assert _json(moved["venue_address"]) == {"ky": "Чүй проспекти 1"}
            assert not any(name.endswith(("_ky", "_ru", "_en")) for name in moved)
            ru_only = _row(conn, "events", other)
            assert _json(ru_only["title"]) == {"ru": "Только"}
            assert _json(ru_only["venue_name"]) == {"ru": "Дом культуры"}
            assert _json(ru_only["venue_address"]) == {}
            assert _json(_row(conn, "event_sessions", session)["title"]) == texts("Секция")
            assert _json(_row(conn, "event_sessions", session)["room"]) == {"ky": "Зал 1"}
            assert _json(_row(conn, "event_questions", question)["label"]) == texts("Суроо")
            assert _json(_row(conn, "event_questions", question)["options"]) == [
                {"ky": "Эт", "ru": "Мясо", "en": "Meat"}]
            moved_offer = _row(conn, "help_offers", offer)
            assert _json(moved_offer["title"]) == texts("Жардам")
            assert _json(moved_offer["description"]) == texts("Кеңеш")
            assert _json(_row(conn, "categories", category)["name"]) == texts("Турак")
            assert _json(_row(conn, "organizations", org)["description"]) == {
                "ky": "Мекендештерге жардам: укук, жумуш, көнүү.\nЭкинчи сап."}
            assert _json(_row(conn, "organizations", english)["description"]) == {"en": "We help compatriots."}
            assert _json(_row(conn, "organization_edits", edit)["changes"]) == {
                "description": {"ru": "Помогаем землякам."}, "city": "Ош"}
            assert _json(_row(conn, "organization_revisions", revision)["changes"]) == {
                "description": [{}, {"ru": "Помогаем."}], "name": ["A", "B"]}
            assert _json(_row(conn, "categories", seeded.id)["name"]) == {
                "ky": seeded.name_ky, "ru": seeded.name_ru, "en": seeded.name_en}
            # content in a language the old columns never had: dropped by the downgrade, the rest kept
            conn.execute(sa.text("UPDATE events SET title = :title WHERE id = :id"),
                         {"title": '{"ky": "Форум кыргызча", "ru": "Форум по-русски", "en": "Форум in English", '
                                   '"kk": "Форум қазақша"}', "id": event})

        upgrade()  # the migrations that came after, so the models are compared with the head
        check()  # the models and the migrated schema agree (`flask db check`)

        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            back = _row(conn, "events", event)
            assert {k: back[k] for k in split("title", "")} == split("title", "Форум")
            assert {k: back[k] for k in split("description", "")} == split("description", "Сүрөттөмө\nэки сап")
            assert (back["venue_name"], back["venue_address"]) == ("Ала-Тоо", "Чүй проспекти 1")
            ru_only = _row(conn, "events", other)
            assert (ru_only["title_ru"], ru_only["title_ky"], ru_only["venue_name"]) == ("Только", "", "Дом культуры")
            back_session = _row(conn, "event_sessions", session)
            assert {k: back_session[k] for k in split("title", "")} == split("title", "Секция")
            assert back_session["room"] == "Зал 1"
            back_question = _row(conn, "event_questions", question)
            assert {k: back_question[k] for k in split("label", "")} == split("label", "Суроо")
            back_offer = _row(conn, "help_offers", offer)
            assert {k: back_offer[k] for k in split("title", "") | split("description", "")} == {
                **split("title", "Жардам"), **split("description", "Кеңеш")}
            assert _row(conn, "organizations", org)["description"] == (
                "Мекендештерге жардам: укук, жумуш, көнүү.\nЭкинчи сап.")
            assert _row(conn, "organizations", english)["description"] == "We help compatriots."
            assert _json(_row(conn, "organization_edits", edit)["changes"]) == {
                "description": "Помогаем землякам.", "city": "Ош"}
            assert _json(_row(conn, "organization_revisions", revision)["changes"]) == {
                "description": ["", "Помогаем."], "name": ["A", "B"]}
            back_category = _row(conn, "categories", category)
            assert {k: back_category[k] for k in split("name", "")} == split("name", "Турак")
            assert conn.execute(sa.text("SELECT name_ky, name_ru, name_en FROM categories WHERE slug = 'legal-aid'")
                                ).one() == tuple(seeded[1:])

        upgrade()  # and up again, as a restored backup would be
        check()
