"""organizations: an index on updated_at, so the map's data version (its newest change) is one index read

Revision ID: c4d1a5e0f7b3
Revises: b7e2f1c0a9d4
Create Date: 2026-12-02 15:20:00

"""
from alembic import op

revision = 'c4d1a5e0f7b3'
down_revision = 'b7e2f1c0a9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organizations_updated_at', 'organizations', ['updated_at'])


def downgrade():
    op.drop_index('ix_organizations_updated_at', table_name='organizations')
