"""events: delegations (several people registered by their head) and registrations without an email

Revision ID: a3d5c0de1e9a
Revises: 9807d93b8ad1
Create Date: 2026-12-02 10:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3d5c0de1e9a'
down_revision = '9807d93b8ad1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('head_name', sa.String(length=200), nullable=False),
        sa.Column('head_email', sa.String(length=254), nullable=False),
        sa.Column('head_phone', sa.String(length=40), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('ky', 'ru', 'en')", name=op.f('ck_delegations_language')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_delegations_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
        sa.UniqueConstraint('token', name=op.f('uq_delegations_token')),
    )
    with op.batch_alter_table('delegations') as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_event_id'), ['event_id'], unique=False)
    # batch: SQLite rebuilds the table (env.py turns foreign keys off meanwhile, so nothing cascades)
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.create_index(batch_op.f('ix_registrations_delegation_id'), ['delegation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registrations_delegation_id_delegations'), 'delegations',
                                    ['delegation_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Members without an address cannot exist before this revision: they keep a placeholder that mail never
    # reaches (.invalid is reserved), rather than being deleted.
    op.execute("UPDATE registrations SET email = 'member-' || id || '@delegation.invalid' WHERE email IS NULL")
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registrations_delegation_id_delegations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registrations_delegation_id'))
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column('delegation_id')
    op.drop_table('delegations')
