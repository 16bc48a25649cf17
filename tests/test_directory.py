"""Registering, moderating, editing and reporting associations, through HTTP, per role."""
import re

import pytest
from sqlalchemy import select

from diaspora.models import (
    Membership,
    Organization,
    OrganizationEdit,
    OrganizationReport,
    OrganizationRevision,
    OutboxMessage,
)
from tests.invitation_helpers import invite_and_accept

FORM = {
    "name": "Кыргыз биримдиги — Екатеринбург",
    "description_ky": "Мекендештерге жардам: укук, жумуш, көнүү.",
    "country": "RU",
    "city": "Екатеринбург",
    "address": "",
    "latitude": "",
    "longitude": "",
    "categories": ["legal-aid", "employment"],
    "languages": ["ky", "ru"],
    "email": "Info@Example.org",
    "phone": "+7 912 000-00-00",
    "website": "example.org/ural",
    "telegram": "https://t.me/ural_kyrgyz",
    "whatsapp": "+996 555 123 456",
    "instagram": "@ural.kyrgyz",
    "facebook": "",
    "vk": "vk.com/ural_kg",
    "year_founded": "2012",
}


def org_by_name(db_query, name):
    return db_query(lambda db: db.session.scalar(select(Organization).where(Organization.name == name)))


def register(client, **overrides):
    return client.post("/organizations/new", data={**FORM, **overrides})


def test_registering_needs_an_account(client):
    response = client.get("/organizations/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/organizations/new", data=FORM).status_code == 302
    assert client.get("/api/v1/organizations").get_json()["total"] == 0


def test_register_waits_for_moderation_then_is_published(client, make_user, login, db_query):
    owner = make_user(email="owner@example.org")
    admin = make_user(email="admin@example.org", is_admin=True)
    login(owner)
    response = register(client)
    assert response.status_code == 302
    org = org_by_name(db_query, FORM["name"])
    assert org.status == "pending"
    assert org.email == "info@example.org"
    assert org.website == "https://example.org/ural"
    assert org.telegram == "ural_kyrgyz" and org.instagram == "ural.kyrgyz" and org.vk == "ural_kg"
    assert org.whatsapp == "+996555123456"
    assert org.location_source == "city"
    assert org.latitude == pytest.approx(56.84, abs=0.1) and org.longitude == pytest.approx(60.6, abs=0.1)
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "city centre" in page or "центр" in page or "борбор" in page  # the form says where the pin went

    # Not public while pending: not on the map, in the API, or at its address for strangers.
    stranger = client.application.test_client()
    assert stranger.get(f"/organizations/{org.id}").status_code == 404
    assert stranger.get(f"/map/popup/{org.id}").status_code == 404
    assert FORM["name"] not in stranger.get("/map").get_data(as_text=True)
    assert stranger.get("/api/v1/organizations").get_json()["total"] == 0

    # The owner sees it, with its status, in the account page.
    assert FORM["name"] in client.get("/auth/account").get_data(as_text=True)
    # Site admins were told by mail.
    mails = db_query(lambda db: db.session.scalars(select(OutboxMessage)).all())
    assert [m.to_address for m in mails] == ["admin@example.org"]

    client.post("/auth/logout")
    login(admin)
    assert FORM["name"] in client.get("/moderation/").get_data(as_text=True)
    assert client.post(f"/moderation/organizations/{org.id}/publish").status_code == 302
    assert stranger.get(f"/organizations/{org.id}").status_code == 200
    assert stranger.get("/api/v1/organizations").get_json()["total"] == 1
    mails = db_query(lambda db: db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())
    assert mails[-1].to_address == "owner@example.org"
    assert FORM["name"] in mails[-1].body_text


def test_reject_with_reason_then_owner_fixes_and_resubmits(client, app, make_user, make_org, login, db_query):
    owner = make_user()
    admin = make_user(is_admin=True)
    org_id = make_org(name="Spam & Co", status="pending", owner=owner)
    login(admin)
    response = client.post(f"/moderation/organizations/{org_id}/reject", data={"reason": ""})
    assert response.status_code == 200  # the reason is required
    client.post(f"/moderation/organizations/{org_id}/reject", data={"reason": "Please add a description <b>now</b>"})
    client.post("/auth/logout")

    login(owner)
    account = client.get("/auth/account").get_data(as_text=True)
    assert "Please add a description &lt;b&gt;now&lt;/b&gt;" in account
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Please add a description" in page
    client.post(f"/organizations/{org_id}/edit", data={**FORM, "name": "Spam & Co", "description_ky": "Now described."})
    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert org.status == "pending" and org.description["ky"] == "Now described."
    actions = db_query(lambda db: db.session.scalars(
        select(OrganizationRevision.action).where(OrganizationRevision.organization_id == org_id)
        .order_by(OrganizationRevision.id)).all())
    assert actions == ["created", "rejected", "updated", "resubmitted"]


@pytest.mark.parametrize("status", ["pending", "published"])
@pytest.mark.parametrize("role, can_edit", [
    ("anonymous", False), ("stranger", False), ("owner", True), ("coadmin", True), ("site_admin", True)])
def test_who_may_edit(client, make_user, make_org, login, role, can_edit, status, db_query):
    """Who may change an entry; what the owner and co-admins change on a published one waits for
    moderation (tests/test_directory_edits.py), site admins' changes apply at once."""
    owner, coadmin = make_user(), make_user()
    org_id = make_org(name="Ала-Тоо", owner=owner, admins=[coadmin], status=status)
    users = {"stranger": make_user(), "owner": owner, "coadmin": coadmin, "site_admin": make_user(is_admin=True)}
    if role != "anonymous":
        login(users[role])
    edit_page = client.get(f"/organizations/{org_id}/edit")
    response = client.post(f"/organizations/{org_id}/edit", data={**FORM, "name": "Hacked"})
    name = db_query(lambda db: db.session.get(Organization, org_id).name)
    waiting = db_query(lambda db: db.session.scalar(select(OrganizationEdit.changes).where(
        OrganizationEdit.organization_id == org_id, OrganizationEdit.status == "pending")))
    if can_edit:
        assert edit_page.status_code == 200 and response.status_code == 302
        if status == "published" and role != "site_admin":
            assert name == "Ала-Тоо" and waiting["name"] == "Hacked"
        else:
            assert name == "Hacked" and waiting is None
    else:
        assert edit_page.status_code in (302, 403, 404) and response.status_code in (302, 403, 404)
        assert name == "Ала-Тоо" and waiting is None


@pytest.mark.parametrize("role, allowed", [
    ("anonymous", False), ("stranger", False), ("owner", False), ("site_admin", True)])
def test_who_may_moderate(client, make_user, make_org, login, role, allowed, db_query):
    owner = make_user()
    org_id = make_org(status="pending", owner=owner)
    users = {"stranger": make_user(), "owner": owner, "site_admin": make_user(is_admin=True)}
    if role != "anonymous":
        login(users[role])
    assert (client.get("/moderation/").status_code == 200) == allowed
    client.post(f"/moderation/organizations/{org_id}/publish")
    client.post(f"/moderation/organizations/{org_id}/reject", data={"reason": "no"})
    status = db_query(lambda db: db.session.get(Organization, org_id).status)
    assert status == ("rejected" if allowed else "pending")
    assert (client.get(f"/moderation/organizations/{org_id}/history").status_code == 200) == allowed
    assert (client.get("/admin/outbox/").status_code == 200) == allowed


def test_services_refuse_unauthorised_changes_directly(app, make_user, make_org):
    """Authorization lives in the services, so the CLI and API cannot bypass it either."""
    from diaspora.directory import invitations, services
    from diaspora.errors import Forbidden
    from diaspora.extensions import db

    owner, stranger = make_user(), make_user()
    org_id = make_org(owner=owner)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        stranger = db.session.merge(stranger)
        with pytest.raises(Forbidden):
            services.update_organization(stranger, org, services.OrganizationData(name="x", country="RU", city="y"))
        with pytest.raises(Forbidden):
            services.publish(stranger, org)
        with pytest.raises(Forbidden):
            invitations.invite(stranger, org, "a@example.org", "admin", "ru")


def test_owner_adds_and_removes_coadmins(client, make_user, make_org, login, db_query):
    """Adding goes through an invitation (tests/test_invitations.py); removing is at once."""
    owner, helper, coadmin = make_user(), make_user(email="helper@example.org"), make_user()
    org_id = make_org(owner=owner, admins=[coadmin])
    invite_and_accept(client, login, db_query, org_id, owner, helper)
    members = db_query(lambda db: {m.user_id: m.role for m in db.session.scalars(
        select(Membership).where(Membership.organization_id == org_id))})
    assert members[helper.id] == "admin"
    login(owner)
    client.post(f"/organizations/{org_id}/admins/{helper.id}/remove")
    client.post(f"/organizations/{org_id}/admins/{owner.id}/remove")  # the owner stays
    members = db_query(lambda db: {m.user_id for m in db.session.scalars(
        select(Membership).where(Membership.organization_id == org_id))})
    assert members == {owner.id, coadmin.id}
    client.post("/auth/logout")
    login(coadmin)  # a co-admin edits but does not manage admins
    assert client.post(f"/organizations/{org_id}/admins", data={"email": "helper@example.org"}).status_code == 403


def test_history_records_each_change_with_who(client, make_user, make_org, login, db_query):
    owner = make_user(email="owner@example.org")
    admin = make_user(is_admin=True)
    org_id = make_org(name="Old name", owner=owner)
    login(owner)
    client.post(f"/organizations/{org_id}/edit", data={**FORM, "name": "New name"})
    client.post("/auth/logout")
    login(admin)
    page = client.get(f"/moderation/organizations/{org_id}/history").get_data(as_text=True)
    assert "Old name" in page and "New name" in page and "owner@example.org" in page


def test_a_rejected_form_keeps_what_was_typed(client, make_user, login):
    login(make_user())
    response = register(client, name="", year_founded="1700", latitude="95", longitude="10",
                        website="javascript:alert(1)", telegram="t.me/", description_ky="Менин текстим ө ү ң")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="error"') >= 4
    assert "Менин текстим ө ү ң" in page
    assert 'value="Екатеринбург"' in page
    assert 'value="legal-aid" checked' in page or re.search(r'checked[^>]*value="legal-aid"', page)


def test_coordinates_typed_by_hand_are_kept(client, make_user, login, db_query):
    login(make_user())
    register(client, latitude="56,8", longitude="60.6123")
    org = org_by_name(db_query, FORM["name"])
    assert (org.latitude, org.longitude, org.location_source) == (56.8, 60.6123, "manual")


def test_unknown_city_without_coordinates_is_saved_and_says_so(client, make_user, login, db_query):
    login(make_user())
    response = register(client, city="Qqqqzzz")
    org = org_by_name(db_query, FORM["name"])
    assert org.latitude is None and org.location_source == "none"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert org.name in page


def test_editing_the_city_moves_the_pin_unless_it_was_moved_by_hand(client, make_user, make_org, login, db_query):
    owner = make_user()
    org_id = make_org(owner=owner, city="Москва", lat=55.7558, lng=37.6173, status="pending")  # applies at once
    login(owner)
    client.post(f"/organizations/{org_id}/edit",
                data={**FORM, "city": "Казань", "latitude": "55.7558", "longitude": "37.6173"})
    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert org.latitude == pytest.approx(55.79, abs=0.1) and org.longitude == pytest.approx(49.12, abs=0.2)
    client.post(f"/organizations/{org_id}/edit",
                data={**FORM, "city": "Казань", "latitude": "55.8", "longitude": "49.2"})
    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert (org.latitude, org.longitude, org.location_source) == (55.8, 49.2, "manual")


def test_public_page_shows_details_and_safe_links(client, make_org):
    org_id = make_org(name="Kyrgyz Club", description="Line one\nLine two", website="https://example.org",
                      telegram="kyrgyz_club", whatsapp="+996555123456", email="club@example.org",
                      phone="+1 212 555 0100", year_founded=2005)
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Kyrgyz Club" in page and "<p>Line one</p>" in page
    assert 'href="https://t.me/kyrgyz_club"' in page
    assert 'href="https://wa.me/996555123456"' in page
    assert 'href="mailto:club@example.org"' in page
    assert 'href="tel:+12125550100"' in page
    assert "2005" in page


HOSTILE = '<script>alert(1)</script>${alert(2)}`"\'&'


def test_hostile_text_is_escaped_in_html(client, make_org, make_user, login):
    admin = make_user(is_admin=True)
    org_id = make_org(name=HOSTILE, city=HOSTILE, description=HOSTILE, status="pending")
    login(admin)
    for url in [f"/organizations/{org_id}", "/moderation/", f"/moderation/organizations/{org_id}/history"]:
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_report_an_entry(client, make_org, make_user, login, db_query):
    org_id = make_org(name="Old club")
    page = client.get(f"/organizations/{org_id}/report")
    assert page.status_code == 200
    response = client.post(f"/organizations/{org_id}/report",
                           data={"reason": "outdated", "message": "They moved <b>away</b>", "email": ""})
    assert response.status_code == 302
    assert client.post(f"/organizations/{org_id}/report", data={"reason": "bogus"}).status_code == 200
    admin = make_user(is_admin=True)
    login(admin)
    reports_page = client.get("/moderation/reports").get_data(as_text=True)
    assert "They moved &lt;b&gt;away&lt;/b&gt;" in reports_page
    report_id = db_query(lambda db: db.session.scalar(select(OrganizationReport.id)))
    client.post(f"/moderation/reports/{report_id}/resolved", data={"note": "updated the address"})
    report = db_query(lambda db: db.session.get(OrganizationReport, report_id))
    assert report.status == "resolved" and report.resolved_by_id == admin.id
    assert "They moved" not in client.get("/moderation/reports").get_data(as_text=True)


def test_unpublished_entries_cannot_be_reported(client, make_org):
    org_id = make_org(status="pending")
    assert client.post(f"/organizations/{org_id}/report", data={"reason": "wrong"}).status_code == 404


def test_admins_add_services_with_stable_slugs(client, make_user, login):
    login(make_user(is_admin=True))
    names = {"name_ky": "a", "name_ru": "b", "name_en": "c"}
    bad = client.post("/moderation/categories", data={"slug": "Bad Slug", **names})
    assert bad.status_code == 200
    client.post("/moderation/categories", data={"slug": "housing", "name_ky": "Турак жай", "name_ru": "Жильё",
                                                "name_en": "Housing"})
    dup = client.post("/moderation/categories", data={"slug": "housing", **names})
    assert dup.status_code == 200
    assert client.get("/api/v1/organizations?category=housing").status_code == 200


def test_home_page_counts_published_associations(client, make_org):
    make_org(name="A", country="RU")
    make_org(name="B", country="TR", city="Istanbul")
    make_org(name="C", status="pending")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 associations" in page and "2 countries" in page


def test_latitude_without_longitude_is_an_error_either_way(client, make_user, login, db_query):
    login(make_user())
    for lat, lng, field in [("10", "", "longitude"), ("", "20", "latitude")]:
        response = register(client, latitude=lat, longitude=lng)
        assert response.status_code == 200
        assert re.search(rf'id="{field}-error"', response.get_data(as_text=True))
    assert db_query(lambda db: db.session.scalar(select(Organization))) is None


def test_coadmins_are_not_offered_admin_management(client, make_user, make_org, login):
    owner, coadmin = make_user(), make_user()
    org_id = make_org(owner=owner, admins=[coadmin])
    login(coadmin)
    page = client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)
    assert 'name="email"' not in page and "/remove" not in page
    client.post("/auth/logout")
    login(owner)
    page = client.get(f"/organizations/{org_id}/admins").get_data(as_text=True)
    assert 'name="email"' in page and "/remove" in page


def test_history_reads_in_the_moderator_language(client, make_user, make_org, login):
    admin = make_user(is_admin=True)
    org_id = make_org(name="Old", owner=admin, categories=("legal-aid", "culture"))
    login(admin)
    client.post(f"/organizations/{org_id}/edit", data={**FORM, "name": "New"})
    client.get("/lang/ru")
    page = client.get(f"/moderation/organizations/{org_id}/history").get_data(as_text=True)
    assert "Название ассоциации" in page
    assert "<td>name</td>" not in page and "['" not in page


def test_a_too_long_report_note_is_refused(client, make_user, make_org, login, db_query):
    org_id = make_org()
    client.post(f"/organizations/{org_id}/report", data={"reason": "wrong"})
    login(make_user(is_admin=True))
    report_id = db_query(lambda db: db.session.scalar(select(OrganizationReport.id)))
    client.post(f"/moderation/reports/{report_id}/resolved", data={"note": "x" * 3000})
    assert db_query(lambda db: db.session.get(OrganizationReport, report_id).status) == "open"


def test_contact_links_cannot_smuggle_mail_headers(client, make_org):
    org_id = make_org(email="a?cc=spy@evil.org&body=hi@example.org", facebook="profile.php?id=100012345")
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert 'href="mailto:a%3Fcc%3Dspy%40evil.org%26body%3Dhi@example.org"' in page
    assert 'href="https://www.facebook.com/profile.php?id=100012345"' in page


def test_facebook_profile_links_keep_their_id(client, make_user, login, db_query):
    login(make_user())
    register(client, facebook="https://www.facebook.com/profile.php?id=100012345")
    org = org_by_name(db_query, FORM["name"])
    assert org.facebook == "profile.php?id=100012345"
