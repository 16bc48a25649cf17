"""organizations: when the entry was last confirmed, and the last yearly reminder

Revision ID: b7e2f1c0a9d4
Revises: b508ec62957f
Create Date: 2026-12-02 11:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e2f1c0a9d4'
down_revision = 'b508ec62957f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
    # existing entries count as confirmed when they were last changed
    op.execute("UPDATE organizations SET confirmed_at = COALESCE(updated_at, created_at)")
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.alter_column('confirmed_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('confirmed_at')
