"""events: invitation letters (letterhead, signatory, extra paragraph) and travel information per event

Revision ID: a3c9e5d1f274
Revises: 7e4a11ea3b02
Create Date: 2026-12-02 10:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3c9e5d1f274'
down_revision = '7e4a11ea3b02'
branch_labels = None
depends_on = None

TEXTS = ('organization_name', 'organization_address', 'organization_contacts', 'signatory_name', 'signatory_title',
         'extra_paragraph', 'travel_directions', 'travel_hotels', 'travel_transfer')


def upgrade():
    op.create_table(
        'event_letters',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('offered', sa.Boolean(), server_default=sa.false(), nullable=False),
        *[sa.Column(name, sa.JSON(), server_default='{}', nullable=False) for name in TEXTS],
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_letters_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_letters')),
    )


def downgrade():
    op.drop_table('event_letters')
