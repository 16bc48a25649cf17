"""directory: association members (join requests, consent, mail choices), members-only news, member invitations

Revision ID: eeb83bfd6572
Revises: 4a8d4b5b9adf
Create Date: 2026-12-02 10:50:40.672361

"""
import sqlalchemy as sa
from alembic import op

revision = 'eeb83bfd6572'
down_revision = '4a8d4b5b9adf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('share_contact', sa.Boolean(), nullable=False),
    sa.Column('news_by_mail', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('requested', 'member', 'declined')", name=op.f('ck_organization_members_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organization_members_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_members')),
    sa.UniqueConstraint('organization_id', 'user_id', name='uq_organization_members_person')
    )
    with op.batch_alter_table('organization_members', schema=None) as batch_op:
        batch_op.create_index('ix_organization_members_org_status', ['organization_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_members_user_id'), ['user_id'], unique=False)

    op.create_table('organization_news',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_organization_news_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_news_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_news'))
    )
    with op.batch_alter_table('organization_news', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_news_organization_id'), ['organization_id'], unique=False)

    # invitations may now make members too (batch: SQLite rebuilds the table to change a check)
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.drop_constraint(op.f('ck_invitations_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_invitations_role'), "role IN ('admin', 'volunteer', 'member')")


def downgrade():
    # invitations to become a member cannot exist before this revision
    op.execute("DELETE FROM invitations WHERE role = 'member'")
    with op.batch_alter_table('invitations') as batch_op:
        batch_op.drop_constraint(op.f('ck_invitations_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_invitations_role'), "role IN ('admin', 'volunteer')")
    with op.batch_alter_table('organization_news', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_news_organization_id'))

    op.drop_table('organization_news')
    with op.batch_alter_table('organization_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_members_user_id'))
        batch_op.drop_index('ix_organization_members_org_status')

    op.drop_table('organization_members')
