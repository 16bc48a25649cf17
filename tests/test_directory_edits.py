"""Finding 6 of the security review: edits to a published association went live unmoderated (a published
entry could be turned into phishing overnight). Now the owner's and co-admins' changes wait for a site
admin, and the published version stays exactly as it was for everyone until then."""
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from diaspora.models import Organization, OrganizationEdit, OrganizationRevision, OutboxMessage
from tests.test_directory import FORM

PUBLISHED = dict(name="Ала-Тоо", description="Биз мекендештерге жардам беребиз.", website="https://ala-too.example",
                 city="Москва", lat=55.7558, lng=37.6173, phone="+7 495 000 00 00", year_founded=2010,
                 categories=("adaptation",), languages=("ky", "ru"))
PHISHING = {**FORM, "name": "Ала-Тоо — төлөм", "description_ky": "Send your savings to this account.",
            "website": "https://evil.example/pay", "city": "Казань", "country": "RU", "latitude": "55.7558",
            "longitude": "37.6173", "phone": "+7 999 111 22 33", "categories": ["legal-aid"], "languages": ["en"],
            "year_founded": "1999"}


@pytest.fixture
def people(make_user):
    return {"owner": make_user(email="owner@example.org"), "coadmin": make_user(email="coadmin@example.org"),
            "stranger": make_user(email="stranger@example.org"),
            "site_admin": make_user(email="moderator@example.org", is_admin=True)}


@pytest.fixture
def org_id(make_org, people):
    return make_org(owner=people["owner"], admins=[people["coadmin"]], **PUBLISHED)


def edits_of(db_query, org_id):
    return db_query(lambda db: db.session.scalars(select(OrganizationEdit).where(
        OrganizationEdit.organization_id == org_id).order_by(OrganizationEdit.id)).all())


def outbox(db_query):
    return db_query(lambda db: db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def assert_published_version_everywhere(app, org_id, runner, tmp_path):
    """What anyone sees: the page, the list and the map's popup, search, the API, the export."""
    anyone = app.test_client()
    page = anyone.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Ала-Тоо" in page and "Биз мекендештерге" in page and "ala-too.example" in page and "Москва" in page
    assert "төлөм" not in page and "evil.example" not in page and "savings" not in page and "Казань" not in page
    assert "Changes wait" not in page and "changes-waiting" not in page
    assert anyone.get(f"/map/popup/{org_id}").get_json()["name"] == "Ала-Тоо"
    listing = anyone.get("/map?q=Ала-Тоо", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ала-Тоо" in listing and "төлөм" not in listing
    assert anyone.get("/api/v1/organizations?q=төлөм").get_json()["total"] == 0
    assert anyone.get("/api/v1/organizations?q=savings").get_json()["total"] == 0
    props = anyone.get(f"/api/v1/organizations/{org_id}").get_json()["properties"]
    assert (props["name"], props["city"], props["contacts"]["website"], props["categories"], props["languages"],
            props["year_founded"]) == ("Ала-Тоо", "Москва", "https://ala-too.example", ["adaptation"],
                                       ["ky", "ru"], 2010)
    path = tmp_path / "export.csv"
    assert runner.invoke(args=["export-organizations", str(path)]).exit_code == 0
    exported = path.read_text(encoding="utf-8")
    assert "Ала-Тоо" in exported and "evil.example" not in exported


def test_an_owners_edit_waits_and_everyone_keeps_seeing_the_published_entry(
        client, app, login, people, org_id, db_query, runner, tmp_path):
    login(people["owner"])
    client.get("/lang/ru")
    response = client.post(f"/organizations/{org_id}/edit", data=PHISHING, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "когда их проверит модератор" in page  # the flash says the changes wait, in the reader's language

    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert (org.name, org.website, org.city, org.latitude) == ("Ала-Тоо", "https://ala-too.example", "Москва", 55.7558)
    assert_published_version_everywhere(app, org_id, runner, tmp_path)

    [edit] = edits_of(db_query, org_id)
    assert edit.status == "pending" and edit.submitted_by_id == people["owner"].id
    assert edit.changes["name"] == "Ала-Тоо — төлөм" and edit.changes["website"] == "https://evil.example/pay"
    # the new city was geocoded when the edit was sent (the pin had not been moved by hand)
    assert edit.changes["latitude"] == pytest.approx(55.79, abs=0.1)
    assert edit.changes["longitude"] == pytest.approx(49.12, abs=0.2) and edit.changes["location_source"] == "city"
    assert "address" not in edit.changes and "facebook" not in edit.changes  # only what differs is kept

    # The owner sees that changes wait, on the page and in the form, which shows what they typed.
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert 'id="changes-waiting"' in page and "Ала-Тоо — төлөм" in page and "https://evil.example/pay" in page
    form = client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'id="moderation-notice"' in form
    assert 'value="Ала-Тоо — төлөм"' in form and 'value="https://evil.example/pay"' in form and 'value="Казань"' in form
    assert "Send your savings" in form and 'value="1999"' in form

    # Site admins were told, once.
    assert [(m.to_address, m.kind) for m in outbox(db_query)] == [("moderator@example.org", "moderation_edit_waiting")]


def test_a_second_edit_replaces_the_waiting_one(client, login, people, org_id, db_query):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    login(people["coadmin"])  # a co-admin starts from what waits, and replaces it
    form = client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Ала-Тоо — төлөм"' in form
    [first] = edits_of(db_query, org_id)
    shown = {"latitude": str(first.changes["latitude"]), "longitude": str(first.changes["longitude"])}
    assert f'value="{shown["latitude"]}"' in form  # the pin geocoded for the waiting edit
    client.post(f"/organizations/{org_id}/edit", data={**PHISHING, **shown, "name": "Ала-Тоо клубу"})
    first, second = edits_of(db_query, org_id)
    assert first.status == "replaced" and second.status == "pending" and second.changes["name"] == "Ала-Тоо клубу"
    assert second.submitted_by_id == people["coadmin"].id
    assert second.changes["city"] == "Казань" and second.changes["latitude"] == first.changes["latitude"]
    assert len([m for m in outbox(db_query) if m.kind == "moderation_edit_waiting"]) == 1  # not mailed again

    # Saving the published values again (the pin put back by hand) withdraws what waits.
    published = {**FORM, "name": PUBLISHED["name"], "description_ky": PUBLISHED["description"],
                 "website": PUBLISHED["website"], "city": "Москва", "latitude": "55.7558", "longitude": "37.6173",
                 "phone": PUBLISHED["phone"], "year_founded": "2010", "categories": ["adaptation"],
                 "languages": ["ky", "ru"], "email": "", "telegram": "", "whatsapp": "", "instagram": "", "vk": ""}
    client.post(f"/organizations/{org_id}/edit", data=published)
    edits = edits_of(db_query, org_id)
    assert [e.status for e in edits] == ["replaced", "withdrawn"], edits[-1].changes


def test_a_moderator_sees_what_changes_and_approves_it(client, app, login, people, org_id, db_query):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    login(people["site_admin"])
    queue = client.get("/moderation/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    [edit] = edits_of(db_query, org_id)
    card = queue.split(f'id="edit-{edit.id}"', 1)[1].split("</li>", 1)[0]
    for old, new in [("Ала-Тоо", "Ала-Тоо — төлөм"), ("https://ala-too.example", "https://evil.example/pay"),
                     ("Москва", "Казань"), ("2010", "1999"), ("adaptation", "legal-aid")]:
        assert f"<td>{old}</td><td>{new}</td>" in card, (old, new)
    assert "Website" in card and "owner@example.org" in card
    assert "location_source" not in card

    assert client.post(f"/moderation/edits/{edit.id}/approve").status_code == 302
    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert (org.name, org.website, org.city, org.phone, org.year_founded) == (
        "Ала-Тоо — төлөм", "https://evil.example/pay", "Казань", "+7 999 111 22 33", 1999)
    assert org.latitude == pytest.approx(55.79, abs=0.1) and org.location_source == "city"
    assert org.category_slugs == ["legal-aid"] and org.languages == ["en"] and org.email == "info@example.org"
    assert edits_of(db_query, org_id)[0].status == "approved"
    anyone = app.test_client()
    assert anyone.get("/api/v1/organizations?q=төлөм").get_json()["total"] == 1  # search text follows
    assert "Ала-Тоо — төлөм" in anyone.get(f"/organizations/{org_id}").get_data(as_text=True)
    mails = [(m.to_address, m.kind) for m in outbox(db_query) if m.kind == "organization_edit_approved"]
    assert sorted(mails) == [("coadmin@example.org", "organization_edit_approved"),
                             ("owner@example.org", "organization_edit_approved")]
    actions = db_query(lambda db: db.session.execute(
        select(OrganizationRevision.action, OrganizationRevision.user_id)
        .where(OrganizationRevision.organization_id == org_id).order_by(OrganizationRevision.id)).all())
    assert [tuple(a) for a in actions[1:]] == [("edit_submitted", people["owner"].id), ("updated", people["owner"].id),
                                               ("edit_approved", people["site_admin"].id)]
    assert f'id="edit-{edit.id}"' not in client.get("/moderation/").get_data(as_text=True)


def test_a_moderator_rejects_with_a_note_the_owner_reads(client, login, people, org_id, db_query):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    login(people["site_admin"])
    [edit] = edits_of(db_query, org_id)
    # a note is required
    assert client.post(f"/moderation/edits/{edit.id}/reject", data={"reason": ""}).status_code == 200
    page = client.get(f"/moderation/edits/{edit.id}/reject").get_data(as_text=True)
    assert "<td>Ала-Тоо</td><td>Ала-Тоо — төлөм</td>" in page
    client.post(f"/moderation/edits/{edit.id}/reject", data={"reason": "Not your <b>bank</b> account"})
    assert edits_of(db_query, org_id)[0].status == "rejected"
    assert db_query(lambda db: db.session.get(Organization, org_id).name) == "Ала-Тоо"
    [mail_owner] = [m for m in outbox(db_query)
                    if m.kind == "organization_edit_rejected" and m.to_address == "owner@example.org"]
    assert "Not your <b>bank</b> account" in mail_owner.body_text  # plain text mail: as typed
    client.post("/auth/logout")

    login(people["owner"])
    page = client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert 'id="changes-rejected"' in page and "Not your &lt;b&gt;bank&lt;/b&gt; account" in page
    form = client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert "Not your &lt;b&gt;bank&lt;/b&gt; account" in form and 'value="Ала-Тоо"' in form
    # a stranger sees neither the note nor that anything happened
    stranger = client.application.test_client()
    assert "bank" not in stranger.get(f"/organizations/{org_id}").get_data(as_text=True)


def test_a_moderator_decides_only_the_version_they_saw(client, login, people, org_id, db_query, app):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data={**PHISHING, "name": "Harmless"})
    [seen] = edits_of(db_query, org_id)
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)  # replaced after the moderator opened the queue
    client.post("/auth/logout")
    login(people["site_admin"])
    page = client.post(f"/moderation/edits/{seen.id}/approve", follow_redirects=True,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "replaced by newer ones" in page
    assert db_query(lambda db: db.session.get(Organization, org_id).name) == "Ала-Тоо"
    assert [e.status for e in edits_of(db_query, org_id)] == ["replaced", "pending"]
    client.post(f"/moderation/edits/{seen.id}/reject", data={"reason": "no"})
    assert [e.status for e in edits_of(db_query, org_id)] == ["replaced", "pending"]


def test_unpublishing_closes_the_waiting_edit_for_good(client, login, people, org_id, db_query):
    """An entry rejected or unpublished while a change waits: the change is closed, and does not come back
    (stale) in the queue once the entry is published again."""
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    login(people["site_admin"])
    [edit] = edits_of(db_query, org_id)
    assert client.post(f"/moderation/organizations/{org_id}/reject", data={"reason": "Reported"}).status_code == 302
    [edit] = edits_of(db_query, org_id)
    assert edit.status == "withdrawn" and edit.decided_by_id == people["site_admin"].id
    assert f'id="edit-{edit.id}"' not in client.get("/moderation/").get_data(as_text=True)
    client.post("/auth/logout")

    login(people["owner"])  # the owner edits the entry itself now (it is not published), and sends it again
    form = client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Ала-Тоо"' in form and "төлөм" not in form
    assert client.post(f"/organizations/{org_id}/edit", data={**PHISHING, "name": "Ала-Тоо клубу"}).status_code == 302
    client.post("/auth/logout")
    login(people["site_admin"])
    assert client.post(f"/moderation/organizations/{org_id}/publish").status_code == 302
    page = client.get("/moderation/").get_data(as_text=True)
    assert f'id="edit-{edit.id}"' not in page and "төлөм" not in page
    assert [e.status for e in edits_of(db_query, org_id)] == ["withdrawn"]
    assert db_query(lambda db: db.session.get(Organization, org_id).name) == "Ала-Тоо клубу"


def test_no_edit_is_approved_onto_an_entry_not_published(client, login, people, org_id, db_query):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    [edit] = edits_of(db_query, org_id)

    def unpublished_meanwhile(db):  # as an older row, or a moderator's reject racing this one
        db.session.get(Organization, org_id).status = "rejected"
        db.session.commit()

    db_query(unpublished_meanwhile)
    login(people["site_admin"])
    page = client.post(f"/moderation/edits/{edit.id}/approve", follow_redirects=True,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "not published any more: its changes cannot be published" in page
    org = db_query(lambda db: db.session.get(Organization, org_id))
    assert (org.name, org.status) == ("Ала-Тоо", "rejected")
    assert [e.status for e in edits_of(db_query, org_id)] == ["pending"]


def without_random_values(page: str) -> str:
    """The page without its CSRF tokens and script nonces: random letters may spell "CxD" or "A49B"."""
    return re.sub(r'(value|nonce)="[A-Za-z0-9._\-]{20,}"', "", page)


def test_hostile_text_in_a_waiting_edit_is_shown_as_text(client, login, people, org_id):
    hostile = '<script>alert(1)</script> A{{ 7*7 }}B C{% if 1 %}x{% endif %}D'
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data={**PHISHING, "name": hostile, "description_ky": hostile})
    for c, path in [(client, f"/organizations/{org_id}"), (client, f"/organizations/{org_id}/edit")]:
        page = without_random_values(c.get(path).get_data(as_text=True))
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "A{{ 7*7 }}B" in page and "A49B" not in page and "CxD" not in page
    client.post("/auth/logout")
    login(people["site_admin"])
    queue = without_random_values(client.get("/moderation/").get_data(as_text=True))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; A{{ 7*7 }}B C{% if 1 %}x{% endif %}D" in queue
    assert "<script>alert(1)</script>" not in queue and "A49B" not in queue


def test_site_admins_edit_at_once_and_leave_the_waiting_edit(client, login, people, org_id, db_query):
    login(people["owner"])
    client.post(f"/organizations/{org_id}/edit", data=PHISHING)
    client.post("/auth/logout")
    login(people["site_admin"])
    form = client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Ала-Тоо"' in form and "evil.example" not in form  # the published entry, not the proposal
    client.post(f"/organizations/{org_id}/edit", data={**FORM, "name": "Ала-Тоо (Москва)", "city": "Москва",
                                                       "latitude": "55.7558", "longitude": "37.6173"})
    assert db_query(lambda db: db.session.get(Organization, org_id).name) == "Ала-Тоо (Москва)"
    [edit] = edits_of(db_query, org_id)
    assert edit.status == "pending"
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "<td>Ала-Тоо (Москва)</td><td>Ала-Тоо — төлөм</td>" in queue  # compared with what is published now


def test_entries_not_published_change_at_once(client, login, people, make_org, db_query):
    pending_id = make_org(name="Жаңы", owner=people["owner"], status="pending")
    login(people["owner"])
    client.post(f"/organizations/{pending_id}/edit", data={**FORM, "name": "Жаңы клуб"})
    assert db_query(lambda db: db.session.get(Organization, pending_id).name) == "Жаңы клуб"
    assert edits_of(db_query, pending_id) == []


ROLES = ["anonymous", "stranger", "owner", "coadmin", "site_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_send_and_decide_changes_in_the_services(app, people, org_id, role, db_query):
    """Authorization lives in the services: the same answers for the web, a command or the API."""
    from diaspora.directory import edits
    from diaspora.directory.services import OrganizationData
    from diaspora.errors import Forbidden
    from diaspora.extensions import db

    def data(name):
        return OrganizationData(name=name, country="RU", city="Москва", latitude=55.7558, longitude=37.6173,
                                categories=["adaptation"], languages=["ky", "ru"], website="https://ala-too.example")

    with app.test_request_context():
        user = None if role == "anonymous" else db.session.merge(people[role])
        owner = db.session.merge(people["owner"])
        org = db.session.get(Organization, org_id)
        if role in ("anonymous", "stranger"):
            with pytest.raises(Forbidden):
                edits.save(user, org, data("X"))
        else:
            saved = edits.save(user, org, data("X"))
            assert saved.waiting == (role != "site_admin")
            assert (org.name == "X") == (role == "site_admin")
        # a direct call to the service that applies at once refuses the owner and co-admins
        if role in ("owner", "coadmin"):
            from diaspora.directory.services import update_organization

            with pytest.raises(Forbidden):
                update_organization(user, org, data("Y"))
        edits.save(owner, org, data("Z"))
        edit = edits.pending_edit(org)
        for decide in (lambda: edits.approve(user, edit.id), lambda: edits.reject(user, edit.id, "no")):
            if role == "site_admin":
                continue
            with pytest.raises(Forbidden):
                decide()
        if role == "site_admin":
            edits.approve(user, edit.id)
            assert org.name == "Z"
        db.session.rollback()


@pytest.mark.parametrize("role, allowed", [("anonymous", False), ("stranger", False), ("owner", False),
                                           ("coadmin", False), ("site_admin", True)])
def test_who_may_decide_through_http(client, login, people, org_id, role, allowed, db_query, make_user):
    other = client.application.test_client()
    other.post("/auth/login", data={"email": "owner@example.org", "password": "correct horse battery"})
    other.post(f"/organizations/{org_id}/edit", data=PHISHING)
    [edit] = edits_of(db_query, org_id)
    if role != "anonymous":
        login(people[role])
    assert (client.get(f"/moderation/edits/{edit.id}/reject").status_code == 200) == allowed
    client.post(f"/moderation/edits/{edit.id}/approve")
    assert edits_of(db_query, org_id)[0].status == ("approved" if allowed else "pending")


def test_one_edit_waits_per_association_by_the_database(app, org_id):
    from diaspora.extensions import db

    with app.app_context():
        db.session.add(OrganizationEdit(organization_id=org_id, changes={"name": "a"}))
        db.session.commit()
        db.session.add(OrganizationEdit(organization_id=org_id, changes={"name": "b"}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(OrganizationEdit(organization_id=org_id, changes={"name": "c"}, status="rejected", note="x"))
        db.session.commit()  # decided ones are history: any number of them
