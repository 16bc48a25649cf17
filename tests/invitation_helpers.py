"""Inviting someone to an association and following the link, as people do it (used by several test files)."""
import re

from sqlalchemy import select

from diaspora.models import OutboxMessage

LINK = re.compile(r"https?://[^/\s]+(/invitations/[\w-]+)")


def invitation_path(db_query, email: str) -> str:
    """The path of the link in the latest invitation mailed to `email`."""
    body = db_query(lambda db: db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.to_address == email,
                                              OutboxMessage.kind == "organization_invitation")
        .order_by(OutboxMessage.id.desc()).limit(1)))
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def invite(client, login, org_id, owner, email, role="admin"):
    login(owner)
    response = client.post(f"/organizations/{org_id}/admins", data={"email": email, "role": role})
    client.post("/auth/logout")
    return response


def invite_and_accept(client, login, db_query, org_id, owner, person, role="admin"):
    """The owner invites `person`'s address; `person` logs in and accepts from the mailed link."""
    invite(client, login, org_id, owner, person.email, role)
    login(person)
    response = client.post(invitation_path(db_query, person.email))
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/auth/logout")
