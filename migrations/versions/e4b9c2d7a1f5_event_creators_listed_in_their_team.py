"""events: whoever created an upcoming event is listed in its team, so they hear of its registrations

The code lists the creator when an event is created (diaspora.events.services.create_event); this gives the
events created before it the same row. The row grants nothing (diaspora.events.permissions.role_of); the
downgrade removes these rows, since the code before would read them as the organizer role.

Revision ID: e4b9c2d7a1f5
Revises: d8e3b1f4a6c2
Create Date: 2026-12-02 19:45:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'e4b9c2d7a1f5'
down_revision = 'd8e3b1f4a6c2'
branch_labels = None
depends_on = None


def _now():
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now


def upgrade():
    op.get_bind().execute(sa.text(
        "INSERT INTO event_team_members (event_id, user_id, email, role, notify, created_at, notified_until) "
        "SELECT e.id, u.id, lower(trim(u.email)), 'organizer', 'daily', :now, :now "
        "FROM events e JOIN users u ON u.id = e.created_by_id "
        "WHERE e.ends_at >= :now AND NOT EXISTS (SELECT 1 FROM event_team_members t WHERE t.event_id = e.id "
        "AND (t.user_id = u.id OR t.email = lower(trim(u.email))))"), {"now": _now()})


def downgrade():
    op.get_bind().execute(sa.text(
        "DELETE FROM event_team_members WHERE invited_by_id IS NULL AND token_hash IS NULL AND EXISTS "
        "(SELECT 1 FROM events e WHERE e.id = event_team_members.event_id "
        "AND e.created_by_id = event_team_members.user_id)"))
