"""Finding 11 of the security review (the admins form): adding a co-admin by email told the owner whether
an account existed. Now the owner sends an invitation: the same answer and a mail whatever the address,
and the role is taken only by following the single-use, expiring link while logged in."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from diaspora.database import utcnow
from diaspora.models import Invitation, Membership, OrganizationRevision, OutboxMessage
from tests.invitation_helpers import LINK, invitation_path, invite, invite_and_accept
from tests.test_auth import finish_signup

ROLES = ["anonymous", "stranger", "owner", "coadmin", "site_admin"]


@pytest.fixture
def people(make_user):
    return {"owner": make_user(email="owner@example.org", name="Айбек"),
            "coadmin": make_user(email="coadmin@example.org"),
            "stranger": make_user(email="stranger@example.org"),
            "site_admin": make_user(email="moderator@example.org", is_admin=True),
            "invitee": make_user(email="invitee@example.org")}


@pytest.fixture
def org_id(make_org, people):
    return make_org(name="Ала-Тоо", owner=people["owner"], admins=[people["coadmin"]])


def members(db_query, org_id):
    return db_query(lambda db: {m.user_id: m.role for m in db.session.scalars(
        select(Membership).where(Membership.organization_id == org_id))})


def invitations_of(db_query, org_id):
    return db_query(lambda db: db.session.scalars(select(Invitation).where(
        Invitation.organization_id == org_id).order_by(Invitation.id)).all())


def mails(db_query):
    return db_query(lambda db: db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "organization_invitation").order_by(OutboxMessage.id)).all())


def test_the_owner_cannot_tell_whether_an_address_has_an_account(client, login, people, org_id, db_query):
    login(people["owner"])
    client.get("/lang/en")
    answers = {}
    for email in ("invitee@example.org", "nobody@example.org"):
        response = client.post(f"/organizations/{org_id}/admins", data={"email": email.upper(), "role": "admin"})
        assert response.status_code == 302 and response.headers["Location"] == f"/organizations/{org_id}/admins"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        flash = re.search(r'<p class="flash [^"]*"[^>]*>(.*?)<', page, re.S).group(1)
        answers[email] = flash.replace(email, "ADDRESS")
        row = page.split(email, 1)[1].split("</li>", 1)[0]  # the row in the list of invitations
        answers[email + " row"] = re.sub(r"/invitations/\d+/", "/invitations/N/", row)
    assert answers["invitee@example.org"] == answers["nobody@example.org"]
    assert "sent an invitation to ADDRESS" in answers["nobody@example.org"]
    assert answers["invitee@example.org row"] == answers["nobody@example.org row"]
    # a mail each, alike but for the link; nobody became an admin by being typed in
    first, second = mails(db_query)
    assert (first.to_address, second.to_address) == ("invitee@example.org", "nobody@example.org")
    assert first.subject == second.subject and LINK.sub("", first.body_text) == LINK.sub("", second.body_text)
    assert "Ала-Тоо" in first.body_text and "Айбек" in first.body_text
    assert people["invitee"].id not in members(db_query, org_id)


def test_the_invitee_logs_in_from_the_link_comes_back_and_accepts(client, login, people, org_id, db_query):
    invite(client, login, org_id, people["owner"], "invitee@example.org")
    path = invitation_path(db_query, "invitee@example.org")
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ала-Тоо" in page and "Accept the invitation" not in page
    login_link = re.search(r'href="(/auth/login\?next=[^"]+)"', page).group(1)
    assert client.post(path).status_code == 200 and people["invitee"].id not in members(db_query, org_id)

    # logging in from the link's page brings them back to it
    response = client.post(login_link.replace("&amp;", "&"),
                           data={"email": "invitee@example.org", "password": "correct horse battery"})
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Accept the invitation" in page and "invitee@example.org" in page
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/organizations/{org_id}"
    assert members(db_query, org_id)[people["invitee"].id] == "admin"
    [invitation] = invitations_of(db_query, org_id)
    assert invitation.status == "accepted" and invitation.accepted_by_id == people["invitee"].id
    # the invitee now edits the entry (its changes wait for moderation, as a co-admin's do)
    assert client.get(f"/organizations/{org_id}/edit").status_code == 200

    # single use: the link does nothing more, for them or anyone else
    assert client.post(path).status_code == 404 and client.get(path).status_code == 404
    client.post("/auth/logout")
    login(people["stranger"])
    assert client.post(path).status_code == 404
    assert people["stranger"].id not in members(db_query, org_id)


def test_an_account_created_from_the_link_comes_back_to_it(client, login, people, org_id, db_query):
    invite(client, login, org_id, people["owner"], "new.person@example.org", role="volunteer")
    path = invitation_path(db_query, "new.person@example.org")
    page = client.get(path).get_data(as_text=True)
    signup_link = re.search(r'href="(/auth/signup\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.post(signup_link, data={"name": "Жаңы", "email": "new.person@example.org"})
    assert response.status_code == 302
    # the account is made from the mailed link, which carries the way back to the invitation
    response = finish_signup(client, db_query, password="correct horse battery")
    assert response.status_code == 302 and response.headers["Location"] == path
    assert client.post(path).status_code == 302
    roles = members(db_query, org_id)
    assert sorted(roles.values()) == ["admin", "owner", "volunteer"]


def test_an_expired_link_does_nothing(client, login, people, org_id, db_query):
    invite(client, login, org_id, people["owner"], "invitee@example.org")
    path = invitation_path(db_query, "invitee@example.org")

    def expire(db):
        db.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    db_query(expire)
    login(people["invitee"])
    page = client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "expired" in page.get_data(as_text=True)
    assert client.post(path).status_code == 404
    assert people["invitee"].id not in members(db_query, org_id)
    client.post("/auth/logout")
    login(people["owner"])  # and it is no longer listed as waiting
    assert "invitee@example.org" not in client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)


def test_the_owner_withdraws_an_invitation_and_inviting_again_replaces_the_link(client, login, people, org_id,
                                                                                  db_query):
    invite(client, login, org_id, people["owner"], "invitee@example.org")
    first_path = invitation_path(db_query, "invitee@example.org")
    invite(client, login, org_id, people["owner"], "invitee@example.org", role="volunteer")
    second_path = invitation_path(db_query, "invitee@example.org")
    assert first_path != second_path
    assert [i.status for i in invitations_of(db_query, org_id)] == ["replaced", "pending"]
    assert client.get(first_path).status_code == 404 and client.get(second_path).status_code == 200

    login(people["owner"])
    page = client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)
    assert page.count("invitee@example.org") == 1
    invitation_id = invitations_of(db_query, org_id)[-1].id
    assert client.post(f"/organizations/{org_id}/invitations/{invitation_id}/revoke").status_code == 302
    assert client.get(second_path).status_code == 404
    assert "invitee@example.org" not in client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)
    actions = db_query(lambda db: db.session.scalars(select(OrganizationRevision.action).where(
        OrganizationRevision.organization_id == org_id).order_by(OrganizationRevision.id)).all())
    assert actions[1:] == ["invitation_sent", "invitation_sent", "invitation_revoked"]


def test_the_link_is_stored_hashed_and_leaves_the_outbox_once_sent(mail_config, smtp_server, client, runner, login,
                                                                   people, org_id, db_query):
    invite(client, login, org_id, people["owner"], "invitee@example.org")
    runner.invoke(args=["send-mail", "--now"])  # as the worker would: the request only queued it
    (sent,) = smtp_server.messages
    token = LINK.search(sent.get_content()).group(1).rsplit("/", 1)[1]
    [invitation] = invitations_of(db_query, org_id)
    assert token not in invitation.token_hash and len(token) >= 43
    [message] = mails(db_query)
    assert message.status == "sent" and token not in message.body_text and "/invitations/…" in message.body_text


def test_no_invitation_link_is_left_in_the_outbox_once_sent(mail_config, smtp_server, client, runner, login,
                                                            people, org_id, db_query):
    """The invitee, who has an account, follows "Create an account" from the link's page: the mail to an
    existing account carries the way back to the invitation (?next=), and neither it nor the invitation's
    own mail keeps the secret once sent."""
    invite(client, login, org_id, people["owner"], "invitee@example.org")
    path = invitation_path(db_query, "invitee@example.org")
    token = path.rsplit("/", 1)[1]
    page = client.get(path).get_data(as_text=True)
    signup_link = re.search(r'href="(/auth/signup\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert client.post(signup_link, data={"name": "", "email": "invitee@example.org"}).status_code == 302
    runner.invoke(args=["send-mail", "--now"])
    sent = {m["Subject"]: m.get_content() for m in smtp_server.messages}
    assert len(sent) == 2 and all(token in body for body in sent.values())  # the invitee got the way back
    messages = db_query(lambda db: db.session.scalars(select(OutboxMessage)).all())
    assert sorted(m.kind for m in messages) == ["organization_invitation", "signup_existing"]
    assert all(m.status == "sent" and token not in m.body_text and token not in m.subject for m in messages)


def test_accepting_never_lowers_a_role(client, login, people, org_id, db_query):
    owner, coadmin, invitee = people["owner"], people["coadmin"], people["invitee"]
    login(owner)
    for email, role in (("owner@example.org", "admin"), ("coadmin@example.org", "admin"),
                        ("coadmin@example.org", "volunteer")):  # the same role, or a lower one: refused
        page = client.post(f"/organizations/{org_id}/admins", data={"email": email, "role": role},
                           headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "already has this role in the association, or a higher one" in page
    client.post("/auth/logout")
    assert invitations_of(db_query, org_id) == [] and mails(db_query) == []

    # invited as a volunteer, made an admin meanwhile: taking the invitation keeps them an admin
    invite(client, login, org_id, owner, "invitee@example.org", role="volunteer")

    def make_admin(db):
        db.session.add(Membership(organization_id=org_id, user_id=invitee.id, role="admin"))
        db.session.commit()

    db_query(make_admin)
    login(invitee)
    assert client.post(invitation_path(db_query, "invitee@example.org")).status_code == 302
    assert members(db_query, org_id) == {owner.id: "owner", coadmin.id: "admin", invitee.id: "admin"}
    assert [i.status for i in invitations_of(db_query, org_id)] == ["accepted"]


def test_a_volunteer_is_promoted_to_admin_by_invitation(client, login, people, org_id, db_query):
    owner, invitee = people["owner"], people["invitee"]
    invite_and_accept(client, login, db_query, org_id, owner, invitee, role="volunteer")
    assert members(db_query, org_id)[invitee.id] == "volunteer"
    response = invite(client, login, org_id, owner, "invitee@example.org", role="admin")
    assert response.status_code == 302
    login(invitee)
    assert client.post(invitation_path(db_query, "invitee@example.org")).status_code == 302
    assert members(db_query, org_id)[invitee.id] == "admin"
    assert client.get(f"/organizations/{org_id}/edit").status_code == 200  # what an admin may and a volunteer not
    changes = db_query(lambda db: db.session.scalars(select(OrganizationRevision.changes).where(
        OrganizationRevision.organization_id == org_id, OrganizationRevision.action == "admin_added")
        .order_by(OrganizationRevision.id)).all())
    assert changes[-1] == {"admins": ["invitee@example.org (volunteer)", "invitee@example.org (admin)"]}


def test_only_the_invited_address_can_accept(client, login, people, org_id, db_query):
    """A forwarded (or leaked) link does nothing for another account, and stays good for the invitee."""
    invite(client, login, org_id, people["owner"], "Invitee@Example.org ")
    path = invitation_path(db_query, "invitee@example.org")
    login(people["stranger"])
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Accept the invitation" not in page
    notice = re.search(r'id="wrong-account">(.*?)</p>', page, re.S).group(1)
    assert "This invitation is for invitee@example.org" in notice and "stranger@example.org" in notice
    response = client.post(path, headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "This invitation is for invitee@example.org" in response.get_data(as_text=True)
    assert people["stranger"].id not in members(db_query, org_id)
    assert [i.status for i in invitations_of(db_query, org_id)] == ["pending"]  # not used up

    # "Log out" brings them back to the invitation, to log in with the invited address
    logout = re.search(r'id="wrong-account">.*?<form method="post" action="([^"]+)"', page, re.S).group(1)
    logout = logout.replace("&amp;", "&")
    response = client.post(logout)
    assert response.status_code == 302 and response.headers["Location"] == path
    login(people["invitee"])
    assert client.post(path).status_code == 302
    assert members(db_query, org_id)[people["invitee"].id] == "admin"


@pytest.mark.parametrize("role", ROLES)
def test_a_waiting_association_cannot_invite(client, login, people, make_org, role, db_query):
    """Its name, city and owner's name have not been seen by a moderator: no mail carries them from us."""
    org_id = make_org(name="Жаңы коом", owner=people["owner"], admins=[people["coadmin"]], status="pending")
    if role != "anonymous":
        login(people[role])
    response = client.post(f"/organizations/{org_id}/admins", data={"email": "x@example.org", "role": "admin"},
                           headers={"Accept-Language": "en"})
    assert mails(db_query) == [] and invitations_of(db_query, org_id) == []
    if role in ("owner", "site_admin"):
        assert response.status_code == 200
        assert "Invitations can be sent once a moderator has published the association." in response.get_data(
            as_text=True)
        page = client.get(f"/organizations/{org_id}/admins", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'id="invite-after-publication"' in page and "Send the invitation" not in page
    else:
        assert response.status_code in ((302,) if role == "anonymous" else (403, 404))


def test_invitations_a_day_count_withdrawn_ones(client, login, people, org_id, db_query):
    from diaspora.directory.invitations import MAX_PER_DAY

    login(people["owner"])
    for i in range(MAX_PER_DAY):  # send and withdraw at once: never more than one open
        assert client.post(f"/organizations/{org_id}/admins",
                           data={"email": f"p{i}@example.org", "role": "admin"}).status_code == 302
        invitation_id = invitations_of(db_query, org_id)[-1].id
        client.post(f"/organizations/{org_id}/invitations/{invitation_id}/revoke")
    response = client.post(f"/organizations/{org_id}/admins", data={"email": "one-more@example.org", "role": "admin"},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "the most for one day" in page and 'value="one-more@example.org"' in page
    assert len(mails(db_query)) == MAX_PER_DAY

    def a_day_later(db):
        db.session.execute(update(Invitation).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
        db.session.commit()

    db_query(a_day_later)
    assert client.post(f"/organizations/{org_id}/admins",
                       data={"email": "one-more@example.org", "role": "admin"}).status_code == 302


def test_too_many_open_invitations_are_refused(client, login, people, org_id, db_query):
    from diaspora.directory.invitations import MAX_OPEN

    login(people["owner"])
    for i in range(MAX_OPEN):
        client.post(f"/organizations/{org_id}/admins", data={"email": f"p{i}@example.org", "role": "admin"})
    response = client.post(f"/organizations/{org_id}/admins", data={"email": "one-more@example.org", "role": "admin"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Withdraw some" in response.get_data(as_text=True)
    assert 'value="one-more@example.org"' in response.get_data(as_text=True)  # what was typed stays
    assert len(mails(db_query)) == MAX_OPEN


@pytest.mark.parametrize("role", ROLES)
def test_who_may_invite_and_withdraw_through_http(client, login, people, org_id, role, db_query):
    if role != "anonymous":
        login(people[role])
    response = client.post(f"/organizations/{org_id}/admins", data={"email": "x@example.org", "role": "admin"})
    allowed = role in ("owner", "site_admin")
    assert (len(mails(db_query)) == 1) == allowed
    assert response.status_code == (302 if allowed or role == "anonymous" else 403)
    page = client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)
    assert ("x@example.org" in page) == allowed  # co-admins see the admins, not the invitations

    other = client.application.test_client()
    other.post("/auth/login", data={"email": "owner@example.org", "password": "correct horse battery"})
    other.post(f"/organizations/{org_id}/admins", data={"email": "y@example.org", "role": "admin"})
    invitation_id = next(i.id for i in invitations_of(db_query, org_id) if i.email == "y@example.org")
    client.post(f"/organizations/{org_id}/invitations/{invitation_id}/revoke")
    status = next(i.status for i in invitations_of(db_query, org_id) if i.email == "y@example.org")
    assert status == ("revoked" if allowed else "pending")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_invite_in_the_services(app, people, org_id, role):
    from diaspora.directory import invitations
    from diaspora.errors import Forbidden
    from diaspora.extensions import db
    from diaspora.models import Organization

    with app.test_request_context():
        user = None if role == "anonymous" else db.session.merge(people[role])
        org = db.session.get(Organization, org_id)
        if role in ("owner", "site_admin"):
            invitation = invitations.invite(user, org, "z@example.org", "admin", "ru")
            invitations.revoke(user, org, invitation.id)
        else:
            with pytest.raises(Forbidden):
                invitations.invite(user, org, "z@example.org", "admin", "ru")
            owner = db.session.merge(people["owner"])
            invitation = invitations.invite(owner, org, "z@example.org", "admin", "ru")
            with pytest.raises(Forbidden):
                invitations.revoke(user, org, invitation.id)
        with pytest.raises(Forbidden):
            invitations.accept(None, "whatever")
        db.session.rollback()

