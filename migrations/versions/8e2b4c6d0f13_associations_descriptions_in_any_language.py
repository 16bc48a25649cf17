"""associations' descriptions in any language: {language code: text}

Revision ID: 8e2b4c6d0f13
Revises: 5c1f0e7a9d21
Create Date: 2026-12-02 03:05:00

A description was one text in whatever language its association wrote; it is filed under a guess from its
letters (ң, ө or ү: Kyrgyz; other Cyrillic: Russian; else English). The changes waiting for moderation and the
history (organization_edits.changes, organization_revisions.changes) hold descriptions too: they move the
same way. Downgrading keeps one text: Kyrgyz, else Russian, else English, else any.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8e2b4c6d0f13'
down_revision = '5c1f0e7a9d21'
branch_labels = None
depends_on = None

ORDER = ("ky", "ru", "en")
TMP = "description_i18n"


def guess(text: str) -> str:
    """As diaspora.content_i18n.guess_language with ky, ru and en offered (a migration never imports the app)."""
    if set(text) & set("ңөүҢӨҮ"):
        return "ky"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return "en"


def to_texts(value):
    if isinstance(value, dict):
        return value
    text = (value or "").strip()
    return {guess(text): text} if text else {}


def to_text(value):
    if not isinstance(value, dict):
        return value or ""
    return next((value[lang] for lang in ORDER if value.get(lang)), next(iter(value.values()), ""))


def _move_json(bind, table: str, convert) -> None:
    """Rewrite the description inside a JSON `changes` column ({field: value} or {field: [old, new]})."""
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("changes", sa.JSON))
    for row in bind.execute(sa.select(rows)).mappings().all():
        changes = row["changes"] or {}
        if "description" not in changes:
            continue
        value = changes["description"]
        changes = {**changes, "description": [convert(v) for v in value] if isinstance(value, list) else convert(value)}
        bind.execute(rows.update().where(rows.c.id == row["id"]).values(changes=changes))


def upgrade():
    bind = op.get_bind()
    op.add_column("organizations", sa.Column(TMP, sa.JSON(), nullable=False, server_default="{}"))
    orgs = sa.table("organizations", sa.column("id", sa.Integer), sa.column("description", sa.Text),
                    sa.column(TMP, sa.JSON))
    for row in bind.execute(sa.select(orgs.c.id, orgs.c.description)).mappings().all():
        bind.execute(orgs.update().where(orgs.c.id == row["id"]).values({TMP: to_texts(row["description"])}))
    op.drop_column("organizations", "description")
    op.alter_column("organizations", TMP, new_column_name="description")
    _move_json(bind, "organization_edits", to_texts)
    _move_json(bind, "organization_revisions", lambda v: None if v is None else to_texts(v))


def downgrade():
    bind = op.get_bind()
    op.add_column("organizations", sa.Column(TMP, sa.Text(), nullable=False, server_default=""))
    orgs = sa.table("organizations", sa.column("id", sa.Integer), sa.column("description", sa.JSON),
                    sa.column(TMP, sa.Text))
    for row in bind.execute(sa.select(orgs.c.id, orgs.c.description)).mappings().all():
        bind.execute(orgs.update().where(orgs.c.id == row["id"]).values({TMP: to_text(row["description"])}))
    op.drop_column("organizations", "description")
    op.alter_column("organizations", TMP, new_column_name="description")
    _move_json(bind, "organization_edits", to_text)
    _move_json(bind, "organization_revisions", lambda v: None if v is None else to_text(v))
