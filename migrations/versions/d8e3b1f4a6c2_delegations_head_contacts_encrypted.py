"""delegations: the head's email and phone encrypted at rest (diaspora.crypto), the existing rows encrypted

The values are rewritten with the app's DATA_KEY (`flask db upgrade` runs inside the app); downgrading
decrypts them back, and stops rather than lose a value no key opens.

Revision ID: d8e3b1f4a6c2
Revises: d2a7c9e4b1f6
Create Date: 2026-12-02 18:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd8e3b1f4a6c2'
down_revision = "d2a7c9e4b1f6"
branch_labels = None
depends_on = None

_delegations = sa.table('delegations', sa.column('id', sa.Integer), sa.column('head_email', sa.Text),
                        sa.column('head_phone', sa.Text))


def _rewrite(convert) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_delegations.c.id, _delegations.c.head_email, _delegations.c.head_phone)
                        .order_by(_delegations.c.id)).all()
    for row in rows:
        conn.execute(_delegations.update().where(_delegations.c.id == row.id).values(
            head_email=convert(row.head_email),
            head_phone=None if row.head_phone is None else convert(row.head_phone)))


def upgrade():
    from diaspora import crypto  # the key, not the models: the data are rewritten here as they are now

    with op.batch_alter_table('delegations') as batch_op:  # a token is longer than the plain value
        batch_op.alter_column('head_email', existing_type=sa.String(length=254), type_=sa.Text(),
                              existing_nullable=False)
        batch_op.alter_column('head_phone', existing_type=sa.String(length=40), type_=sa.Text(),
                              existing_nullable=True)
    _rewrite(crypto.encrypt)


def downgrade():
    from diaspora import crypto

    _rewrite(crypto.decrypt)
    with op.batch_alter_table('delegations') as batch_op:
        batch_op.alter_column('head_email', existing_type=sa.Text(), type_=sa.String(length=254),
                              existing_nullable=False)
        batch_op.alter_column('head_phone', existing_type=sa.Text(), type_=sa.String(length=40),
                              existing_nullable=True)
