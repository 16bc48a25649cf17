"""Every migration after the content one keeps the rows that hang on the tables it changes, up and down, on
SQLite (where batch mode rebuilds a table: with foreign keys enforced its DROP would cascade) and PostgreSQL."""
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from tests.test_content_migration import CONTENT, _filler, _insert, scratch  # noqa: F401  (the fixture)

CHILDREN = ("memberships", "help_routes", "help_events", "help_messages", "outbox_attachments",
            "registrations", "event_sessions")


def _link(conn, table_name: str, **values) -> None:
    """A row of a table without an id of its own (a membership)."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    row = {column.name: _filler(column) for column in table.columns
           if not column.nullable and column.server_default is None and column.name not in values}
    conn.execute(table.insert().values(**row, **values))


def _counts(conn) -> dict[str, int]:
    return {name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in CHILDREN}


def test_rows_that_hang_on_changed_tables_survive_upgrade_and_downgrade(scratch):
    with scratch.app_context():
        from diaspora.extensions import db

        upgrade(revision=CONTENT)
        with db.engine.begin() as conn:
            user = _insert(conn, "users", email="owner@example.org", is_admin=False)
            org = _insert(conn, "organizations", name="Мекен", status="published", country="KG", city="Бишкек")
            _link(conn, "memberships", organization_id=org, user_id=user, role="owner")
            category = conn.execute(sa.text("SELECT id FROM categories WHERE slug = 'legal-aid'")).scalar_one()
            request = _insert(conn, "help_requests", category_id=category, status="new", urgency="week",
                              reference="ABCD-EF23", token="t" * 43, country="RU", city="Екатеринбург")
            _link(conn, "help_routes", request_id=request, organization_id=org, state="open")
            _insert(conn, "help_events", request_id=request, action="created")
            _insert(conn, "help_messages", request_id=request, from_requester=True, user_id=user)
            message = _insert(conn, "outbox_messages", kind="x", status="pending")
            _insert(conn, "outbox_attachments", message_id=message, filename="a.ics", content_type="text/calendar")
            event = _insert(conn, "events", slug="forum", status="published", organization_id=org,
                            created_by_id=user)
            _insert(conn, "event_sessions", event_id=event)
            _insert(conn, "registrations", event_id=event, email="a@example.org", token="r" * 43, code="ABCD1234",
                    status="confirmed", user_id=user, project_title="<b>Сүт цехи</b>", project_text="Чүйдө",
                    home_region="chuy")
            _insert(conn, "registrations", event_id=event, email="b@example.org", token="s" * 43, code="ABCD1235",
                    status="confirmed", project_title=None, project_text=None)
            before = _counts(conn)
        assert all(before.values()), before

        upgrade()
        with db.engine.begin() as conn:
            assert _counts(conn) == before
            # the registrations' two project fields became a submitted project of their author, data kept
            projects = conn.execute(sa.text("SELECT title, summary, status, home_region, registration_id, event_id "
                                            "FROM projects")).all()
            assert [tuple(row) for row in projects] == [
                ("<b>Сүт цехи</b>", "Чүйдө", "submitted", "chuy", projects[0].registration_id, event)]
            # an existing entry counts as confirmed when it was last changed
            confirmed, updated = conn.execute(sa.text("SELECT confirmed_at, updated_at FROM organizations")).one()
            assert confirmed is not None and confirmed == updated
        check()
        downgrade(revision=CONTENT)
        with db.engine.begin() as conn:
            assert _counts(conn) == before
        upgrade()
        with db.engine.begin() as conn:
            assert _counts(conn) == before


BEFORE_HEAD_CONTACTS_ENCRYPTED = "d2a7c9e4b1f6"


def test_the_delegation_heads_contacts_are_encrypted_and_decrypted_back_with_their_members(scratch):
    """d8e3b1f4a6c2: a delegation's head email and phone become ciphertext in the database, read back through
    the app as they were; downgrading gives the plain values back; the members stay linked either way."""
    with scratch.app_context():
        from diaspora.extensions import db
        from diaspora.models import Delegation

        upgrade(revision=BEFORE_HEAD_CONTACTS_ENCRYPTED)
        contacts = {"Ош": ("bakyt@example.org", "+996 555 123 456"), "Нарын": ("a" * 240 + "@example.org", None)}
        with db.engine.begin() as conn:
            user = _insert(conn, "users", email="owner@example.org", is_admin=False)
            event = _insert(conn, "events", slug="forum", status="published", created_by_id=user)
            ids = {}
            for name, (email, phone) in contacts.items():
                ids[name] = _insert(conn, "delegations", event_id=event, token=f"d{len(ids)}" * 20, name=name,
                                    head_name="Бакыт", head_email=email, head_phone=phone, language="ky")
                _insert(conn, "registrations", event_id=event, email=None, token=f"r{len(ids)}" * 20,
                        code=f"CODE{len(ids)}", status="confirmed", delegation_id=ids[name])

        def stored(conn):
            return {name: tuple(conn.execute(sa.text("SELECT head_email, head_phone FROM delegations WHERE id = :id"),
                                             {"id": ids[name]}).one()) for name in contacts}

        def members(conn):
            return conn.execute(sa.text("SELECT count(*) FROM registrations WHERE delegation_id IS NOT NULL")
                                ).scalar_one()

        upgrade()
        with db.engine.begin() as conn:
            raw = stored(conn)
            assert members(conn) == 2
        for name, (email, phone) in contacts.items():
            assert email not in raw[name][0] and raw[name][0].startswith("gAAAA")  # a Fernet token
            assert raw[name][1] is None if phone is None else phone not in raw[name][1]
            delegation = db.session.get(Delegation, ids[name])
            assert (delegation.head_email, delegation.head_phone) == (email, phone)
        db.session.remove()
        check()
        downgrade(revision=BEFORE_HEAD_CONTACTS_ENCRYPTED)
        with db.engine.begin() as conn:
            assert stored(conn) == contacts and members(conn) == 2
        upgrade()
        db.session.remove()
        assert db.session.get(Delegation, ids["Ош"]).head_email == "bakyt@example.org"


BEFORE_CREATORS_LISTED = "d8e3b1f4a6c2"


def test_the_creators_of_upcoming_events_are_listed_in_their_team_and_unlisted_on_downgrade(scratch):
    """e4b9c2d7a1f5: an upcoming event's creator gets the team row that new events get (to hear of its
    registrations); a past event, or one whose team lists the creator already, gets none; the downgrade takes
    back only those rows, the invited team members stay."""
    from datetime import UTC, datetime, timedelta

    with scratch.app_context():
        from diaspora.extensions import db

        upgrade(revision=BEFORE_CREATORS_LISTED)
        later, earlier = (datetime.now(UTC) + timedelta(days=days) for days in (30, -30))
        with db.engine.begin() as conn:
            creator = _insert(conn, "users", email="Creator@Example.org", is_admin=False)
            helper = _insert(conn, "users", email="helper@example.org", is_admin=False)
            upcoming, past, listed = (
                _insert(conn, "events", slug=slug, status="published", created_by_id=creator,
                        starts_at=when, ends_at=when)
                for slug, when in (("upcoming", later), ("past", earlier), ("listed", later)))
            _insert(conn, "event_team_members", event_id=listed, user_id=creator, email="creator@example.org",
                    role="checkin", invited_by_id=helper)
            _insert(conn, "event_team_members", event_id=upcoming, user_id=helper, email="helper@example.org",
                    role="registrations", invited_by_id=creator)

        def team(conn):
            return sorted(tuple(row) for row in conn.execute(sa.text(
                "SELECT event_id, user_id, email, role FROM event_team_members")))

        upgrade()
        with db.engine.begin() as conn:
            assert team(conn) == sorted([
                (listed, creator, "creator@example.org", "checkin"),
                (upcoming, helper, "helper@example.org", "registrations"),
                (upcoming, creator, "creator@example.org", "organizer")])
            assert past not in {row[0] for row in team(conn)}
        check()
        downgrade(revision=BEFORE_CREATORS_LISTED)
        with db.engine.begin() as conn:
            assert team(conn) == sorted([(listed, creator, "creator@example.org", "checkin"),
                                         (upcoming, helper, "helper@example.org", "registrations")])
