"""telegram: a chat can also be linked to an alert subscription (its digests); exactly one of three targets

Revision ID: d2a7c9e4b1f6
Revises: c4d1a5e0f7b3
Create Date: 2026-12-02 18:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd2a7c9e4b1f6'
down_revision = 'c4d1a5e0f7b3'
branch_labels = None
depends_on = None

TABLES = ('telegram_link_codes', 'telegram_links')
ONE_OF_THREE = ("(CASE WHEN help_request_id IS NULL THEN 0 ELSE 1 END + CASE WHEN registration_id IS NULL THEN 0 "
                "ELSE 1 END + CASE WHEN alert_subscription_id IS NULL THEN 0 ELSE 1 END) = 1")
ONE_OF_TWO = "(help_request_id IS NULL) <> (registration_id IS NULL)"


# Nothing references these two tables: the batch's copy on SQLite loses nothing, and their rows are kept.
def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('alert_subscription_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_alert_subscription_id'), ['alert_subscription_id'],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_alert_subscription_id_alert_subscriptions'),
                                        'alert_subscriptions', ['alert_subscription_id'], ['id'], ondelete='CASCADE')
            batch_op.drop_constraint(op.f(f'ck_{table}_one_target'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_one_target'), ONE_OF_THREE)


def downgrade():
    for table in TABLES:
        # the alerts' chats and codes have no place in the older schema: they go
        op.execute(sa.text(f'DELETE FROM {table} WHERE alert_subscription_id IS NOT NULL'))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_one_target'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_one_target'), ONE_OF_TWO)
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_alert_subscription_id_alert_subscriptions'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_alert_subscription_id'))
            batch_op.drop_column('alert_subscription_id')
