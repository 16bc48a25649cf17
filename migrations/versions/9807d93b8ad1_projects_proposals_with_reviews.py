"""projects: proposals with reviews; the registrations' project_title/project_text become submitted projects

Revision ID: 9807d93b8ad1
Revises: a3c9e5d1f274
Create Date: 2026-12-02 09:59:49.724352

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9807d93b8ad1'
down_revision = 'a3c9e5d1f274'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('home_region', sa.String(length=20), nullable=True),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('sector', sa.String(length=30), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False),
    sa.Column('stage', sa.String(length=10), server_default='idea', nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('contact_consent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('public_consent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='submitted', nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("currency IN ('USD', 'KGS', 'RUB', 'EUR')", name=op.f('ck_projects_currency')),
    sa.CheckConstraint("stage IN ('idea', 'plan', 'started', 'operating')", name=op.f('ck_projects_stage')),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'declined', 'withdrawn')", name=op.f('ck_projects_status')),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_projects_amount')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_projects_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_projects_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_projects_registration_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_projects_session_id_event_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_session_id'), ['session_id'], unique=False)

    op.create_table(
        'project_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_project_reviews_score')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_reviews_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_project_reviews_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_reviews')),
    sa.UniqueConstraint('project_id', 'reviewer_id', name='uq_project_reviews_reviewer')
    )
    with op.batch_alter_table('project_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_reviews_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_reviews_reviewer_id'), ['reviewer_id'], unique=False)
    _projects_from_registrations()


def _projects_from_registrations():
    """Every registration's two project fields become a submitted project of its author (the columns stay,
    unused, so that a downgrade loses nothing of them)."""
    registrations = sa.table('registrations', sa.column('id', sa.Integer), sa.column('event_id', sa.Integer),
                             sa.column('project_title', sa.String), sa.column('project_text', sa.Text),
                             sa.column('home_region', sa.String), sa.column('sector', sa.String),
                             sa.column('created_at', sa.DateTime(timezone=True)))
    projects = sa.table('projects', *(sa.column(name) for name in (
        'event_id', 'registration_id', 'title', 'summary', 'home_region', 'sector', 'currency', 'stage',
        'contact_consent', 'public_consent', 'status', 'created_at', 'updated_at')))
    title = sa.func.coalesce(sa.func.nullif(sa.func.trim(registrations.c.project_title), ''), '—')
    query = sa.select(
        registrations.c.event_id, registrations.c.id, sa.func.substr(title, 1, 200),
        sa.func.coalesce(registrations.c.project_text, ''), registrations.c.home_region, registrations.c.sector,
        sa.literal('USD'), sa.literal('idea'), sa.false(), sa.false(), sa.literal('submitted'),
        registrations.c.created_at, registrations.c.created_at,
    ).where(sa.or_(sa.func.coalesce(sa.func.trim(registrations.c.project_title), '') != '',
                   sa.func.coalesce(sa.func.trim(registrations.c.project_text), '') != ''))
    op.execute(projects.insert().from_select(list(projects.c.keys()), query))



def downgrade():
    with op.batch_alter_table('project_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_reviews_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_project_reviews_project_id'))

    op.drop_table('project_reviews')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_session_id'))
        batch_op.drop_index(batch_op.f('ix_projects_registration_id'))
        batch_op.drop_index('ix_projects_event_status')

    op.drop_table('projects')
