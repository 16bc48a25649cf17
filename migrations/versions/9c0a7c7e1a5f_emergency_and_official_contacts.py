"""emergency and official contacts

Two new tables: contacts (national emergency numbers, embassies, consulates, migration offices, hotlines, legal
clinics, shelters; an association's proposed change is a pending row that `replaces` a published one) and
contact_reports (someone says a number is wrong). Nothing existing is rewritten.

Revision ID: 9c0a7c7e1a5f
Revises: e5ca1a7e0p1n
Create Date: 2026-12-02 06:26:24.019797

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c0a7c7e1a5f'
down_revision = 'e5ca1a7e0p1n'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.JSON(), server_default='{}', nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('whatsapp', sa.String(length=40), nullable=True),
    sa.Column('telegram', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('hours', sa.String(length=300), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_by_name', sa.String(length=120), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('emergency', 'embassy', 'consulate', 'migration_office', 'hotline', 'legal_clinic', 'shelter', 'other')", name=op.f('ck_contacts_kind')),
    sa.CheckConstraint("status IN ('pending', 'published', 'hidden')", name=op.f('ck_contacts_status')),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name=op.f('ck_contacts_latitude')),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name=op.f('ck_contacts_longitude')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contacts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_contacts_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_id'], ['contacts.id'], name=op.f('fk_contacts_replaces_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_contacts_verified_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_replaces_id'), ['replaces_id'], unique=False)
        batch_op.create_index('ix_contacts_status_country', ['status', 'country'], unique=False)

    op.create_table('contact_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("problem IN ('wrong_number', 'no_answer', 'closed', 'other')", name=op.f('ck_contact_reports_problem')),
    sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name=op.f('ck_contact_reports_status')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_reports_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_contact_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_reports'))
    )
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_reports_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_contact_reports_status_created', ['status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('contact_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_reports_status_created')
        batch_op.drop_index(batch_op.f('ix_contact_reports_contact_id'))

    op.drop_table('contact_reports')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_status_country')
        batch_op.drop_index(batch_op.f('ix_contacts_replaces_id'))

    op.drop_table('contacts')
