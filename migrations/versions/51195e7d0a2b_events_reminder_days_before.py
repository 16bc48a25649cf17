"""events: the scheduled reminder, N days before the event

Revision ID: 51195e7d0a2b
Revises: 9c0a7c7e1a5f
Create Date: 2026-12-02 06:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '51195e7d0a2b'
down_revision = '9c0a7c7e1a5f'
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, not batch mode: on SQLite a batch copies the events table and drops the old one,
# which (foreign keys on) would delete every event's sessions, questions and registrations with it.
def upgrade():
    op.add_column('events', sa.Column('reminder_days_before', sa.Integer(), nullable=True, server_default='2'))


def downgrade():
    op.drop_column('events', 'reminder_days_before')
