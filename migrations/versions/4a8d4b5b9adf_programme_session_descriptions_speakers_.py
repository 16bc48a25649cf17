"""programme: session descriptions, speakers, per-session waitlist and check-in

Revision ID: 4a8d4b5b9adf
Revises: a3d5c0de1e9a
Create Date: 2026-12-02 09:59:47.110162

"""
import sqlalchemy as sa
from alembic import op

revision = '4a8d4b5b9adf'
down_revision = 'a3d5c0de1e9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_speakers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('organisation', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=20), nullable=True),
    sa.Column('photo_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_speakers_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_speakers'))
    )
    with op.batch_alter_table('event_speakers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_speakers_event_id'), ['event_id'], unique=False)

    op.create_table('event_session_speakers',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_event_session_speakers_session_id_event_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['event_speakers.id'], name=op.f('fk_event_session_speakers_speaker_id_event_speakers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'speaker_id', name=op.f('pk_event_session_speakers'))
    )
    with op.batch_alter_table('event_session_speakers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_session_speakers_speaker_id'), ['speaker_id'], unique=False)

    # plain ADD COLUMN: a batch on SQLite would copy and drop event_sessions, and the cascade would take the
    # participants' chosen sessions with it
    op.add_column('event_sessions', sa.Column('description', sa.JSON(), server_default='{}', nullable=False))
    op.add_column('event_sessions', sa.Column('checkin_required', sa.Boolean(), server_default=sa.false(),
                                              nullable=False))
    # every link so far held a seat (a full session refused the registration): "seated" keeps that true.
    # Nothing references registration_sessions, so the batch's copy on SQLite loses nothing.
    with op.batch_alter_table('registration_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='seated', nullable=False))
        batch_op.add_column(sa.Column('waiting_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_registration_sessions_waiting', ['session_id', 'waiting_seq'])
        batch_op.create_check_constraint(op.f('ck_registration_sessions_status'), "status IN ('seated', 'waiting')")


def downgrade():
    with op.batch_alter_table('registration_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registration_sessions_status'), type_='check')
        batch_op.drop_constraint('uq_registration_sessions_waiting', type_='unique')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('waiting_seq')
        batch_op.drop_column('status')

    op.drop_column('event_sessions', 'checkin_required')
    op.drop_column('event_sessions', 'description')

    with op.batch_alter_table('event_session_speakers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_session_speakers_speaker_id'))

    op.drop_table('event_session_speakers')
    with op.batch_alter_table('event_speakers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_speakers_event_id'))

    op.drop_table('event_speakers')
