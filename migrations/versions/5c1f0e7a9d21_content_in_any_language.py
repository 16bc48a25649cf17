"""content in any language: one JSON object {language code: text} per translatable field

Revision ID: 5c1f0e7a9d21
Revises: 03eb04700d5b
Create Date: 2026-12-02 02:55:00

title_ky, title_ru, title_en ... become one column each (title); venue, address and a session's room,
single texts until now, become such objects too, their text filed under the language of the row's title
(Kyrgyz first, as the forms listed them). Downgrading keeps ky, ru and en; other languages are dropped.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1f0e7a9d21'
down_revision = '03eb04700d5b'
branch_labels = None
depends_on = None

OLD = ("ky", "ru", "en")
# table: (fields split by language, fields that were one text)
TABLES = {
    "events": (("title", "description"), ("venue_name", "venue_address")),
    "event_sessions": (("title",), ("room",)),
    "event_questions": (("label",), ()),
    "help_offers": (("title", "description"), ()),
    "categories": (("name",), ()),
}
# old types, for downgrade
SPLIT_TYPES = {("events", "title"): sa.String(200), ("events", "description"): sa.Text(),
               ("event_sessions", "title"): sa.String(200), ("event_questions", "label"): sa.String(300),
               ("help_offers", "title"): sa.String(200), ("help_offers", "description"): sa.Text(),
               ("categories", "name"): sa.String(80)}
SINGLE_TYPES = {("events", "venue_name"): sa.String(200), ("events", "venue_address"): sa.String(300),
                ("event_sessions", "room"): sa.String(120)}
TMP = "_i18n"


def _json_column(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False, server_default="{}")


def _first_language(texts: dict) -> str:
    return next((lang for lang in OLD if texts.get(lang)), OLD[0])


def upgrade():
    bind = op.get_bind()
    for table, (split, single) in TABLES.items():
        for name in split:
            op.add_column(table, _json_column(name))
        for name in single:
            op.add_column(table, _json_column(name + TMP))
        old = [f"{name}_{lang}" for name in split for lang in OLD] + list(single)
        source = sa.table(table, sa.column("id", sa.Integer), *[sa.column(c, sa.Text) for c in old])
        target = sa.table(table, sa.column("id", sa.Integer), *[sa.column(n, sa.JSON) for n in split],
                          *[sa.column(n + TMP, sa.JSON) for n in single])
        for row in bind.execute(sa.select(source)).mappings().all():
            values = {name: {lang: row[f"{name}_{lang}"].strip() for lang in OLD
                             if row[f"{name}_{lang}"] and row[f"{name}_{lang}"].strip()} for name in split}
            lang = _first_language(values[split[0]])
            values.update({name + TMP: {lang: row[name].strip()} if row[name] and row[name].strip() else {}
                           for name in single})
            bind.execute(target.update().where(target.c.id == row["id"]).values(**values))
        for column in old:
            op.drop_column(table, column)
        for name in single:
            op.alter_column(table, name + TMP, new_column_name=name)


def downgrade():
    bind = op.get_bind()
    for table, (split, single) in TABLES.items():
        for name in split:
            for lang in OLD:
                op.add_column(table, sa.Column(f"{name}_{lang}", SPLIT_TYPES[table, name], nullable=False,
                                               server_default=""))
        for name in single:
            op.add_column(table, sa.Column(name + TMP, SINGLE_TYPES[table, name], nullable=False,
                                           server_default=""))
        source = sa.table(table, sa.column("id", sa.Integer), *[sa.column(n, sa.JSON) for n in split + single])
        target = sa.table(table, sa.column("id", sa.Integer),
                          *[sa.column(f"{n}_{lang}", sa.Text) for n in split for lang in OLD],
                          *[sa.column(n + TMP, sa.Text) for n in single])
        for row in bind.execute(sa.select(source)).mappings().all():
            values = {f"{name}_{lang}": (row[name] or {}).get(lang, "") for name in split for lang in OLD}
            for name in single:
                texts = row[name] or {}
                values[name + TMP] = texts.get(_first_language(texts)) or next(iter(texts.values()), "")
            bind.execute(target.update().where(target.c.id == row["id"]).values(**values))
        for name in split + single:
            op.drop_column(table, name)
        for name in single:
            op.alter_column(table, name + TMP, new_column_name=name)
