"""organization edits waiting for moderation

Changes the owner or co-admins make to a published association wait here; the organizations table keeps
the published version. A new table: nothing existing is rewritten. At most one edit per association is
pending (a partial unique index, on SQLite and PostgreSQL alike).

Revision ID: ab9394a8be76
Revises: 33436f9049ad
Create Date: 2026-12-01 23:17:34.680916

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ab9394a8be76'
down_revision = '33436f9049ad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'replaced', 'withdrawn')", name=op.f('ck_organization_edits_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organization_edits_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_edits_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_organization_edits_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_edits'))
    )
    with op.batch_alter_table('organization_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_edits_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('uq_organization_edits_pending', ['organization_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade():
    op.drop_table('organization_edits')  # its indexes go with it
