"""events: the event's team (roles, invitations, notification choice) and the organizers' reply-to address

Revision ID: 7e4a11ea3b02
Revises: 51195e7d0a2b
Create Date: 2026-12-02 08:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7e4a11ea3b02'
down_revision = '51195e7d0a2b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=15), nullable=False),
        sa.Column('notify', sa.String(length=12), server_default='daily', nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notified_until', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("notify IN ('immediately', 'daily', 'off')", name=op.f('ck_event_team_members_notify')),
        sa.CheckConstraint("role IN ('organizer', 'registrations', 'checkin', 'reviewer')",
                           name=op.f('ck_event_team_members_role')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_team_members_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_event_team_members_invited_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_team_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_team_members')),
        sa.UniqueConstraint('event_id', 'email', name='uq_event_team_email'),
        sa.UniqueConstraint('event_id', 'user_id', name='uq_event_team_user'),
        sa.UniqueConstraint('token_hash', name=op.f('uq_event_team_members_token_hash')),
    )
    with op.batch_alter_table('event_team_members') as batch_op:
        batch_op.create_index(batch_op.f('ix_event_team_members_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_team_members_user_id'), ['user_id'], unique=False)
    # plain ADD COLUMN (a batch on SQLite would copy and drop events, deleting its registrations)
    op.add_column('events', sa.Column('reply_to', sa.String(length=254), nullable=True))


def downgrade():
    op.drop_column('events', 'reply_to')
    op.drop_table('event_team_members')
