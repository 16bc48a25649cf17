"""invitations to take a role in an association

Adding a co-admin now mails an invitation instead of looking the address up. A new table: nothing
existing is rewritten. The link's secret is stored hashed (unique); one open invitation per address and
association (a partial unique index, on SQLite and PostgreSQL alike).

Revision ID: 03eb04700d5b
Revises: ab9394a8be76
Create Date: 2026-12-01 23:27:56.276718

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '03eb04700d5b'
down_revision = 'ab9394a8be76'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'volunteer')", name=op.f('ck_invitations_role')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'revoked', 'replaced')", name=op.f('ck_invitations_status')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('uq_invitations_pending', ['organization_id', 'email'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_table('invitations')  # its indexes go with it
