"""events: the scheduled reminder, N days before the event

Revision ID: 51195e7d0a2b
Revises: 8e2b4c6d0f13
Create Date: 2026-12-02 06:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '51195e7d0a2b'
down_revision = '8e2b4c6d0f13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days_before', sa.Integer(), nullable=True, server_default='2'))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('reminder_days_before')
