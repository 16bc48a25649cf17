"""help requests: the coordinators' "needs a person" queue, a PIN to get back without the link; site coordinators

Revision ID: e5ca1a7e0p1n
Revises: 9g1de5a7c0b2
Create Date: 2026-12-02 06:40:00

Existing requests get no PIN (their link still works) and are not in the queue: the escalation job looks at
them on its first run.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5ca1a7e0p1n'
down_revision = '9g1de5a7c0b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pin_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pin_locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('needs_person_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('needs_person_reason', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_help_requests_needs_person_since'), ['needs_person_since'], unique=False)
        batch_op.create_check_constraint(
            'needs_person_reason', "needs_person_reason IS NULL OR needs_person_reason IN ('no_match', 'not_accepted')")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_coordinator', sa.Boolean(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_coordinator')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_help_requests_needs_person_reason'), type_='check')
        batch_op.drop_index(batch_op.f('ix_help_requests_needs_person_since'))
        batch_op.drop_column('needs_person_reason')
        batch_op.drop_column('needs_person_since')
        batch_op.drop_column('pin_locked_until')
        batch_op.drop_column('pin_failures')
        batch_op.drop_column('pin_hash')
