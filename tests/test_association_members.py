"""Issue 11, part 1: compatriots join an association, its admins accept or decline, give roles, write news for the
members and download the member list (only those who agreed); invitations make members of people without an
account; the public page counts the members and names none of them."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from diaspora.database import utcnow
from diaspora.models import Invitation, Membership, OrganizationMember, OutboxMessage
from tests.invitation_helpers import invitation_path


@pytest.fixture
def people(make_user):
    return {"owner": make_user(email="owner@example.org", name="Айбек"),
            "coadmin": make_user(email="coadmin@example.org", name="Бермет"),
            "volunteer": make_user(email="volunteer@example.org", name="Волонтёр"),
            "member": make_user(email="member@example.org", name="Мүчө"),
            "other_admin": make_user(email="other@example.org", name="Башка"),
            "stranger": make_user(email="stranger@example.org", name="Бейтааныш"),
            "compatriot": make_user(email="asel@example.org", name="Асель", locale="ru")}


@pytest.fixture
def org_id(make_org, people, db_query):
    org_id = make_org(name="Ала-Тоо", owner=people["owner"], admins=[people["coadmin"]])
    make_org(name="Башка бирикме", city="Казань", owner=people["other_admin"])

    def add(db):
        db.session.add(Membership(organization_id=org_id, user_id=people["volunteer"].id, role="volunteer"))
        db.session.add(OrganizationMember(organization_id=org_id, user_id=people["member"].id, status="member",
                                          share_contact=True, news_by_mail=True))
        db.session.commit()
    db_query(add)
    return org_id


def as_user(client, login, user):
    """Log in as `user`; pages in English, but for an account that chose its language (mail follows it)."""
    client.post("/auth/logout")
    if user is not None:
        login(user)
    if user is None or not user.locale:
        client.get("/lang/en")


def outbox(db_query, kind):
    return db_query(lambda db: [(m.to_address, m.locale, m.subject, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))])


def row_of(db_query, org_id, user):
    return db_query(lambda db: db.session.scalar(select(OrganizationMember.status).where(
        OrganizationMember.organization_id == org_id, OrganizationMember.user_id == user.id)))


def staff_role(db_query, org_id, user):
    return db_query(lambda db: db.session.scalar(select(Membership.role).where(
        Membership.organization_id == org_id, Membership.user_id == user.id)))


def test_a_compatriot_asks_to_join_and_the_admin_accepts(client, login, people, org_id, db_query):
    as_user(client, login, people["compatriot"])
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert f'href="/organizations/{org_id}/join"' in page
    response = client.post(f"/organizations/{org_id}/join", data={
        "message": "Мен Бишкектен келдим <b>", "share_contact": "y", "news_by_mail": "y"})
    assert response.status_code == 302
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert 'id="join-waiting"' in page
    assert client.get(f"/organizations/{org_id}/news").status_code == 403  # a request is not membership yet
    # her note may tell her story: it is not in the database as text
    stored = db_query(lambda db: db.session.execute(text("SELECT message FROM organization_members")).scalars().all())
    assert stored and not any("Бишкек" in (value or "") for value in stored)
    # the owner and the co-admin are told, with a link to the members' page
    assert sorted(to for to, *_ in outbox(db_query, "membership_requested")) == [
        "coadmin@example.org", "owner@example.org"]

    as_user(client, login, people["coadmin"])
    page = client.get(f"/organizations/{org_id}/members").get_data(as_text=True)
    requests = page.split('id="requests"', 1)[1].split("</ul>", 1)[0]
    assert "Асель" in requests and "Мен Бишкектен келдим &lt;b&gt;" in requests
    response = client.post(f"/organizations/{org_id}/members/{people['compatriot'].id}/accept")
    assert response.status_code == 302
    assert "Accepted" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert row_of(db_query, org_id, people["compatriot"]) == "member"
    # told by mail, in her language, with the way to the members' page
    [(to, locale, subject, body)] = outbox(db_query, "membership_accepted")
    assert (to, locale) == ("asel@example.org", "ru") and "Ала-Тоо" in subject
    assert f"/organizations/{org_id}/news" in body and "приняли" in body.lower() + subject.lower()

    as_user(client, login, people["compatriot"])
    assert client.get(f"/organizations/{org_id}/news").status_code == 200
    # answering twice does nothing more
    as_user(client, login, people["coadmin"])
    client.post(f"/organizations/{org_id}/members/{people['compatriot'].id}/decline")
    assert row_of(db_query, org_id, people["compatriot"]) == "member"
    assert outbox(db_query, "membership_declined") == []


def test_a_declined_request_is_mailed_and_gives_nothing(client, login, people, org_id, db_query):
    as_user(client, login, people["compatriot"])
    client.post(f"/organizations/{org_id}/join", data={"message": ""})
    as_user(client, login, people["owner"])
    assert client.post(f"/organizations/{org_id}/members/{people['compatriot'].id}/decline").status_code == 302
    [(to, locale, subject, body)] = outbox(db_query, "membership_declined")
    assert (to, locale) == ("asel@example.org", "ru") and "Ала-Тоо" in subject and "отклонили" in body
    as_user(client, login, people["compatriot"])
    assert client.get(f"/organizations/{org_id}/news").status_code == 403
    # she may ask again: a new request
    assert client.post(f"/organizations/{org_id}/join", data={"message": "Дагы бир жолу"}).status_code == 302
    assert row_of(db_query, org_id, people["compatriot"]) == "requested"


def test_bad_input_is_a_form_error_in_the_users_language(client, login, people, org_id, db_query):
    as_user(client, login, people["compatriot"])
    client.get("/lang/ru")
    response = client.post(f"/organizations/{org_id}/join", data={"message": "я" * 1001})
    assert response.status_code == 422 and "1000" in response.get_data(as_text=True)
    response = client.post(f"/organizations/{org_id}/join", data={"message": "a\x00b"})
    assert response.status_code in (400, 422)  # refused, never a 500
    as_user(client, login, people["owner"])
    client.get("/lang/ru")
    response = client.post(f"/organizations/{org_id}/news", data={"title": "", "body": "текст"})
    assert response.status_code == 422 and "Это поле обязательно." in response.get_data(as_text=True)
    response = client.post(f"/organizations/{org_id}/members/invite", data={"email": "not an email", "role": "member"})
    assert response.status_code == 422 and "адрес" in response.get_data(as_text=True).lower()
    response = client.post(f"/organizations/{org_id}/members/{people['member'].id}/role", data={"role": "king"})
    assert response.status_code == 302 and staff_role(db_query, org_id, people["member"]) is None


# Every admin action, with what a manager's request looks like; each tried by people who may not.
def admin_calls(org_id, people):
    target = people["compatriot"].id
    return [
        ("GET", f"/organizations/{org_id}/members", None),
        ("GET", f"/organizations/{org_id}/members.csv", None),
        ("POST", f"/organizations/{org_id}/members/{target}/accept", None),
        ("POST", f"/organizations/{org_id}/members/{target}/decline", None),
        ("POST", f"/organizations/{org_id}/members/{people['member'].id}/role", {"role": "volunteer"}),
        ("POST", f"/organizations/{org_id}/members/{people['member'].id}/remove", None),
        ("POST", f"/organizations/{org_id}/members/invite", {"email": "new@example.org", "role": "member"}),
        ("POST", f"/organizations/{org_id}/news", {"title": "Жаңылык", "body": "Текст"}),
    ]


@pytest.mark.parametrize("who", ["member", "volunteer", "other_admin", "stranger", "compatriot", None])
def test_every_admin_action_is_refused_to_anyone_else(client, login, people, org_id, db_query, who):
    as_user(client, login, people["compatriot"])
    client.post(f"/organizations/{org_id}/join", data={"message": "Салам"})
    as_user(client, login, people[who] if who else None)
    for method, path, data in admin_calls(org_id, people):
        response = client.open(path, method=method, data=data)
        if who is None:
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path
        elif path.endswith("/news") and who in ("member", "volunteer"):
            # members read the news; posting is the admins'
            assert response.status_code == 403, path
        else:
            assert response.status_code == 403, (path, response.status_code)
    # nothing changed
    assert row_of(db_query, org_id, people["compatriot"]) == "requested"
    assert row_of(db_query, org_id, people["member"]) == "member"
    assert staff_role(db_query, org_id, people["member"]) is None
    assert outbox(db_query, "association_news") == []
    assert db_query(lambda db: db.session.scalars(select(Invitation.email)).all()) == []


def test_admins_do_every_action(client, login, people, org_id, db_query):
    as_user(client, login, people["compatriot"])
    client.post(f"/organizations/{org_id}/join", data={"message": "Салам"})
    as_user(client, login, people["coadmin"])
    for method, path, data in admin_calls(org_id, people):
        if path.endswith("/decline"):
            continue  # accepted just before
        response = client.open(path, method=method, data=data)
        assert response.status_code in (200, 302), (path, response.status_code)
        if response.status_code == 302:
            assert "error" not in client.get(response.headers["Location"]).get_data(as_text=True).split(
                "<main", 1)[-1].split("flash", 2)[1][:20], path
    assert row_of(db_query, org_id, people["compatriot"]) == "member"
    assert row_of(db_query, org_id, people["member"]) is None  # removed after being made a volunteer
    assert staff_role(db_query, org_id, people["member"]) is None


def test_roles_member_volunteer_admin(client, login, people, org_id, db_query):
    member = people["member"]
    as_user(client, login, people["coadmin"])
    # a co-admin makes a volunteer, but not an admin: that stays the owner's, as on the admins page
    client.post(f"/organizations/{org_id}/members/{member.id}/role", data={"role": "volunteer"})
    assert staff_role(db_query, org_id, member) == "volunteer"
    assert client.post(f"/organizations/{org_id}/members/{member.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/organizations/{org_id}/members/{people['owner'].id}/role",
                       data={"role": "member"}).status_code == 302
    assert staff_role(db_query, org_id, people["owner"]) == "owner"

    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/{member.id}/role", data={"role": "admin"})
    assert staff_role(db_query, org_id, member) == "admin"
    as_user(client, login, member)
    assert client.get(f"/organizations/{org_id}/edit").status_code == 200  # an admin edits the entry
    assert client.get(f"/organizations/{org_id}/members").status_code == 200

    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/{member.id}/role", data={"role": "member"})
    assert staff_role(db_query, org_id, member) is None and row_of(db_query, org_id, member) == "member"
    as_user(client, login, member)
    assert client.get(f"/organizations/{org_id}/edit").status_code == 403
    assert client.get(f"/organizations/{org_id}/news").status_code == 200  # still a member

    # a volunteer from before members existed is listed and can be made a plain member
    as_user(client, login, people["coadmin"])
    page = client.get(f"/organizations/{org_id}/members").get_data(as_text=True)
    assert "Волонтёр" in page.split('id="members"', 1)[1]
    client.post(f"/organizations/{org_id}/members/{people['volunteer'].id}/role", data={"role": "member"})
    assert staff_role(db_query, org_id, people["volunteer"]) is None
    assert row_of(db_query, org_id, people["volunteer"]) == "member"
    # a co-admin cannot remove the owner or another admin
    assert client.post(f"/organizations/{org_id}/members/{people['owner'].id}/remove").status_code == 302
    assert staff_role(db_query, org_id, people["owner"]) == "owner"


def test_a_member_does_not_act_for_the_association(client, login, people, org_id):
    as_user(client, login, people["member"])
    assert client.get(f"/organizations/{org_id}/edit").status_code == 403
    assert client.get(f"/organizations/{org_id}/admins").status_code == 403


def test_news_only_for_members_and_mailed_to_those_who_chose(client, login, people, org_id, db_query, make_user):
    quiet = make_user(email="quiet@example.org", name="Тынч")
    db_query(lambda db: (db.session.add(OrganizationMember(organization_id=org_id, user_id=quiet.id,
                                                           status="member")), db.session.commit()))
    as_user(client, login, people["owner"])
    response = client.post(f"/organizations/{org_id}/news", data={
        "title": "Нооруз майрамы", "body": "Баарыңарды чакырабыз.\n<script>alert(1)</script>"})
    assert response.status_code == 302
    mails = outbox(db_query, "association_news")
    assert [to for to, *_ in mails] == ["member@example.org"]  # the only one who asked for mail
    assert "Нооруз майрамы" in mails[0][2] and f"/organizations/{org_id}/news" in mails[0][3]

    for who in ("member", "volunteer", "coadmin", "owner"):
        as_user(client, login, people[who])
        page = client.get(f"/organizations/{org_id}/news").get_data(as_text=True)
        assert "Нооруз майрамы" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, who
    as_user(client, login, quiet)
    assert "Нооруз майрамы" in client.get(f"/organizations/{org_id}/news").get_data(as_text=True)
    for who in ("stranger", "other_admin"):
        as_user(client, login, people[who])
        assert client.get(f"/organizations/{org_id}/news").status_code == 403
    as_user(client, login, None)
    assert "/auth/login" in client.get(f"/organizations/{org_id}/news").headers["Location"]
    assert "Нооруз" not in client.get(f"/organizations/{org_id}").get_data(as_text=True)

    # the member stops the mail; the next post reaches nobody by mail
    as_user(client, login, people["member"])
    client.post(f"/organizations/{org_id}/membership", data={"share_contact": "y"})
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/news", data={"title": "Экинчи", "body": "Текст"})
    assert len(outbox(db_query, "association_news")) == 1


def test_the_export_has_only_consenting_members_and_no_formulas(client, login, people, org_id, db_query, make_user):
    sly = make_user(email="sly@example.org", name='=HYPERLINK("http://evil.example";"x")')
    shy = make_user(email="shy@example.org", name="Уялчаак")
    for user, consent in ((sly, True), (shy, False)):
        as_user(client, login, user)
        client.post(f"/organizations/{org_id}/join", data={"share_contact": "y" if consent else ""})
        as_user(client, login, people["owner"])
        client.post(f"/organizations/{org_id}/members/{user.id}/accept")
    response = client.get(f"/organizations/{org_id}/members.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    emails = [row[1] for row in rows[1:]]
    # consent given: the member from the fixture and the sly one; not the shy one, nor the staff who gave none
    assert sorted(emails) == ["member@example.org", "sly@example.org"]
    assert "shy@example.org" not in text and "owner@example.org" not in text
    sly_row = next(row for row in rows if row[1] == "sly@example.org")
    assert sly_row[0].startswith("'=")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    # withdrawing consent takes the member out of the next export
    as_user(client, login, sly)
    client.post(f"/organizations/{org_id}/membership", data={})
    as_user(client, login, people["owner"])
    assert "sly@example.org" not in client.get(f"/organizations/{org_id}/members.csv").get_data(as_text=True)


def test_the_public_page_counts_members_and_names_none(client, login, people, org_id):
    as_user(client, login, None)
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    # owner, co-admin, volunteer and the member: four people
    assert re.search(r'id="member-count">\s*4 members', page)
    for who in ("coadmin", "volunteer", "member"):
        assert people[who].name not in page and people[who].email not in page
    assert "Log in to join the association" in page
    as_user(client, login, people["compatriot"])
    client.post(f"/organizations/{org_id}/join", data={})
    as_user(client, login, None)
    assert re.search(r'id="member-count">\s*4 members', client.get(f"/organizations/{org_id}").get_data(as_text=True))
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/{people['compatriot'].id}/accept")
    as_user(client, login, None)
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert re.search(r'id="member-count">\s*5 members', page) and "Асель" not in page


def test_a_member_leaves(client, login, people, org_id, db_query):
    as_user(client, login, people["member"])
    assert client.post(f"/organizations/{org_id}/leave").status_code == 302
    assert row_of(db_query, org_id, people["member"]) is None
    assert client.get(f"/organizations/{org_id}/news").status_code == 403
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/leave")
    assert staff_role(db_query, org_id, people["owner"]) == "owner"  # the owner cannot leave


def test_an_invitation_makes_a_member_once_and_expires(client, login, people, org_id, db_query, make_user):
    as_user(client, login, people["coadmin"])  # admins invite members; admins and volunteers stay the owner's
    response = client.post(f"/organizations/{org_id}/members/invite",
                           data={"email": "Newcomer@Example.org", "role": "member"})
    assert response.status_code == 302
    assert client.post(f"/organizations/{org_id}/members/invite",
                       data={"email": "x@example.org", "role": "admin"}).status_code == 403
    [(to, _locale, subject, body)] = outbox(db_query, "organization_invitation")
    assert to == "newcomer@example.org" and "join" in subject and "member" in body
    path = invitation_path(db_query, "newcomer@example.org")
    newcomer = make_user(email="newcomer@example.org", name="Жаңы")
    as_user(client, login, people["stranger"])
    assert client.post(path).status_code == 403  # another account: the invitation stays for the right one
    as_user(client, login, newcomer)
    response = client.post(path)
    assert response.status_code == 302
    assert "You are now a member of Ала-Тоо" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert row_of(db_query, org_id, newcomer) == "member" and staff_role(db_query, org_id, newcomer) is None
    assert client.post(path).status_code == 404  # single use

    # an expired link does nothing
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/invite", data={"email": "late@example.org", "role": "volunteer"})
    late_path = invitation_path(db_query, "late@example.org")
    late = make_user(email="late@example.org")
    db_query(lambda db: (db.session.execute(update(Invitation).where(Invitation.email == "late@example.org")
                                            .values(expires_at=utcnow() - timedelta(minutes=1))),
                         db.session.commit()))
    as_user(client, login, late)
    assert client.post(late_path).status_code == 404
    assert row_of(db_query, org_id, late) is None and staff_role(db_query, org_id, late) is None

    # inviting a member to be a member again is refused; to a higher role, accepted
    as_user(client, login, people["owner"])
    response = client.post(f"/organizations/{org_id}/members/invite",
                           data={"email": "member@example.org", "role": "member"})
    assert response.status_code == 422 and "already has this role" in response.get_data(as_text=True)
    response = client.post(f"/organizations/{org_id}/members/invite",
                           data={"email": "member@example.org", "role": "volunteer"})
    assert response.status_code == 302
    as_user(client, login, people["member"])
    assert client.post(invitation_path(db_query, "member@example.org")).status_code == 302
    assert staff_role(db_query, org_id, people["member"]) == "volunteer"


def test_a_pending_association_has_no_members_yet(client, login, people, make_org):
    org_id = make_org(name="Жаңы бирикме", status="pending", owner=people["owner"])
    as_user(client, login, people["compatriot"])
    assert client.post(f"/organizations/{org_id}/join", data={}).status_code == 404
    as_user(client, login, people["owner"])
    assert client.get(f"/organizations/{org_id}/members").status_code == 404


def test_withdrawing_a_members_invitation_and_the_account_page(client, login, people, org_id, db_query):
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/invite", data={"email": "admin-to-be@example.org", "role": "admin"})
    as_user(client, login, people["coadmin"])
    client.post(f"/organizations/{org_id}/members/invite", data={"email": "newcomer@example.org", "role": "member"})
    page = client.get(f"/organizations/{org_id}/members").get_data(as_text=True)
    listed = page.split('id="invitations"', 1)[1].split("</ul>", 1)[0]
    # a co-admin sees the members' invitations, not the owner's invitations of admins
    assert "newcomer@example.org" in listed and "admin-to-be@example.org" not in listed
    ids = db_query(lambda db: {i.email: i.id for i in db.session.scalars(select(Invitation))})
    revoke_admin = f"/organizations/{org_id}/invitations/{ids['admin-to-be@example.org']}/revoke"
    assert client.post(revoke_admin).status_code == 403
    path = invitation_path(db_query, "newcomer@example.org")
    response = client.post(f"/organizations/{org_id}/invitations/{ids['newcomer@example.org']}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == f"/organizations/{org_id}/members"
    assert client.get(path).status_code == 404
    as_user(client, login, people["stranger"])
    assert client.post(revoke_admin).status_code == 403

    # a member finds the association on their account page, with the way to its news
    as_user(client, login, people["member"])
    page = client.get("/auth/account").get_data(as_text=True)
    assert f'href="/organizations/{org_id}/news">Ала-Тоо' in page.split('id="joined"', 1)[1]


def test_one_who_asked_to_join_and_became_staff_meanwhile_sets_their_choices(client, login, people, org_id,
                                                                               db_query):
    as_user(client, login, people["compatriot"])
    client.post(f"/organizations/{org_id}/join", data={"message": "", "share_contact": "y"})

    def make_volunteer(db):
        db.session.add(Membership(organization_id=org_id, user_id=people["compatriot"].id, role="volunteer"))
        db.session.commit()

    db_query(make_volunteer)
    response = client.post(f"/organizations/{org_id}/membership", data={"news_by_mail": "y"})
    assert response.status_code == 302
    # her one row, now a member's, with what she chose
    rows = db_query(lambda db: db.session.execute(select(
        OrganizationMember.status, OrganizationMember.share_contact, OrganizationMember.news_by_mail).where(
        OrganizationMember.user_id == people["compatriot"].id)).all())
    assert [tuple(row) for row in rows] == [("member", False, True)]
    assert client.get(f"/organizations/{org_id}/news").status_code == 200


@pytest.mark.parametrize("who", ["member", "volunteer", "other_admin", "stranger"])
def test_the_entry_admins_and_invitations_are_refused_to_anyone_else(client, login, people, org_id, db_query, who):
    """The rest of the admin actions (the entry, its admins, withdrawing invitations), tried by the same people."""
    as_user(client, login, people["owner"])
    client.post(f"/organizations/{org_id}/members/invite", data={"email": "new@example.org", "role": "member"})
    client.post(f"/organizations/{org_id}/admins", data={"email": "x@example.org", "role": "admin"})
    invitations = db_query(lambda db: db.session.scalars(select(Invitation.id)).all())
    assert len(invitations) == 2
    as_user(client, login, people[who])
    calls = [("GET", f"/organizations/{org_id}/edit", None),
             ("POST", f"/organizations/{org_id}/edit", {"name": "Башка ат"}),
             ("GET", f"/organizations/{org_id}/admins", None),
             ("POST", f"/organizations/{org_id}/admins", {"email": "y@example.org", "role": "admin"}),
             ("POST", f"/organizations/{org_id}/admins/{people['coadmin'].id}/remove", None),
             *(("POST", f"/organizations/{org_id}/invitations/{i}/revoke", None) for i in invitations)]
    for method, path, data in calls:
        assert client.open(path, method=method, data=data).status_code == 403, (who, method, path)
    assert db_query(lambda db: db.session.scalars(select(Invitation.status)).all()) == ["pending", "pending"]
    assert staff_role(db_query, org_id, people["coadmin"]) == "admin"
    assert client.get(f"/organizations/{org_id}").get_data(as_text=True).count("Ала-Тоо") >= 1
