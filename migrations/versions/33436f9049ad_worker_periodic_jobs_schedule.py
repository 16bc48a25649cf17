"""worker: periodic jobs' schedule

Revision ID: 33436f9049ad
Revises: bf8103b354f4
Create Date: 2026-12-01 23:14:48.347983

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '33436f9049ad'
down_revision = 'bf8103b354f4'
branch_labels = None
depends_on = None


def upgrade():
    # One row per periodic job of `flask worker` (diaspora/jobs.py), added by the worker when it first
    # sees the job: when it runs next, and who holds it while it runs.
    op.create_table('periodic_jobs',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_result', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_jobs'))
    )


def downgrade():
    op.drop_table('periodic_jobs')
