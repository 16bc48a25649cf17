"""Entries that stay true: "confirmed on", the yearly reminder with its one-click link, "possibly outdated"
on the page, in the API and in the moderators' queue, and reports mailed at once."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from diaspora.database import utcnow
from diaspora.models import Organization, OutboxMessage


def set_confirmed(db_query, org_id, days_ago, reminded_days_ago=None):
    at = utcnow() - timedelta(days=days_ago)
    reminded = None if reminded_days_ago is None else utcnow() - timedelta(days=reminded_days_ago)

    def run(db):
        db.session.execute(update(Organization).where(Organization.id == org_id)
                           .values(confirmed_at=at, reminded_at=reminded))
        db.session.commit()
    db_query(run)


def mails(db_query, kind):
    return db_query(lambda db: [(m.to_address, m.subject, m.body_text) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))])


@pytest.fixture
def owned(make_user, make_org):
    owner = make_user(email="owner@example.org", locale="ru")
    admin = make_user(email="coadmin@example.org")
    org_id = make_org(name="Мекендеш", owner=owner, admins=(admin,))
    return org_id, owner, admin


def test_a_new_entry_shows_when_it_was_confirmed(client, make_org):
    org_id = make_org()
    page = client.get(f"/organizations/{org_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "confirmed on" in page and 'id="possibly-outdated"' not in page
    item = client.get(f"/api/v1/organizations/{org_id}").get_json()["properties"]
    assert item["confirmed_on"] == utcnow().date().isoformat() and item["possibly_outdated"] is False


def test_the_yearly_reminder_and_its_one_click_confirmation(client, runner, db_query, owned):
    org_id, _, _ = owned
    set_confirmed(db_query, org_id, days_ago=400)
    result = runner.invoke(args=["remind-owners"])
    assert result.exit_code == 0 and "Reminders queued: 1" in result.output
    [(to, subject, body)] = mails(db_query, "organization_reminder")
    assert to == "owner@example.org" and "Мекендеш" in subject  # the owner, in the owner's language
    assert "/edit" in body
    # never twice in a year, whoever runs the round (the command, the worker)
    assert "Reminders queued: 0" in runner.invoke(args=["remind-owners"]).output
    link = re.search(r"https?://\S+/confirm/\S+", body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    # a GET (a mail scanner following links) confirms nothing: it shows a button
    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    assert db_query(lambda db: db.session.get(Organization, org_id).confirmed_at) < utcnow() - timedelta(days=300)
    response = client.post(path)  # no login needed
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organizations/{org_id}")
    confirmed = db_query(lambda db: db.session.get(Organization, org_id).confirmed_at)
    assert confirmed > utcnow() - timedelta(minutes=5)
    item = client.get(f"/api/v1/organizations/{org_id}").get_json()["properties"]
    assert item["confirmed_on"] == utcnow().date().isoformat()


def test_the_confirmation_link_is_for_one_entry_and_cannot_be_forged(client, runner, db_query, owned, make_org):
    org_id, _, _ = owned
    other = make_org(name="Башка")
    set_confirmed(db_query, org_id, days_ago=400)
    runner.invoke(args=["remind-owners"])
    [(_, _, body)] = mails(db_query, "organization_reminder")
    token = re.search(r"/confirm/(\S+)", body).group(1)
    assert client.get(f"/organizations/{other}/confirm/{token}").status_code == 404
    assert client.post(f"/organizations/{org_id}/confirm/{token[:-2]}xx").status_code == 404
    assert client.get(f"/organizations/{org_id}/confirm/nonsense").status_code == 404


def test_a_recent_reminder_or_confirmation_means_no_reminder(runner, db_query, owned, make_org):
    org_id, _, _ = owned
    set_confirmed(db_query, org_id, days_ago=400, reminded_days_ago=100)
    fresh = make_org(name="Жаңы")
    set_confirmed(db_query, fresh, days_ago=30)
    assert "Reminders queued: 0" in runner.invoke(args=["remind-owners"]).output
    set_confirmed(db_query, org_id, days_ago=400, reminded_days_ago=370)  # a year later: reminded again
    assert "Reminders queued: 1" in runner.invoke(args=["remind-owners"]).output


def test_the_worker_runs_the_round(app, db_query, owned):
    from diaspora import jobs

    org_id, _, _ = owned
    set_confirmed(db_query, org_id, days_ago=400)
    with app.app_context():
        assert "remind-owners" in jobs.JOBS
        done = jobs.run_due()
    assert done["remind-owners"] == "1 reminders to confirm entries"
    assert len(mails(db_query, "organization_reminder")) == 1


def test_unconfirmed_for_18_months_is_possibly_outdated_everywhere(client, db_query, owned, make_user, login,
                                                                   make_org):
    org_id, _, _ = owned
    fresh = make_org(name="Жаңы")
    set_confirmed(db_query, org_id, days_ago=600)
    page = client.get(f"/organizations/{org_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="possibly-outdated"' in page and "Possibly outdated" in page
    listed = {f["id"]: f["properties"] for f in client.get("/api/v1/organizations").get_json()["features"]}
    assert listed[org_id]["possibly_outdated"] is True and listed[fresh]["possibly_outdated"] is False
    assert listed[org_id]["confirmed_on"] == (utcnow() - timedelta(days=600)).date().isoformat()
    # the moderators' queue
    assert client.get("/moderation/outdated").status_code in (302, 401)
    login(make_user(is_admin=True))
    queue = client.get("/moderation/outdated").get_data(as_text=True)
    assert "Мекендеш" in queue and "Жаңы" not in queue
    set_confirmed(db_query, org_id, days_ago=1)  # confirmed again: off the queue, no flag
    assert "Мекендеш" not in client.get("/moderation/outdated").get_data(as_text=True)
    assert 'id="possibly-outdated"' not in client.get(f"/organizations/{org_id}").get_data(as_text=True)


def test_a_stranger_cannot_see_the_moderators_queue(client, make_user, login):
    login(make_user())
    assert client.get("/moderation/outdated").status_code == 403


def test_a_report_is_mailed_at_once_to_the_admins_and_the_moderators(client, db_query, owned, make_user):
    org_id, _, _ = owned
    make_user(email="moderator@example.org", is_admin=True)
    response = client.post(f"/organizations/{org_id}/report", data={
        "reason": "outdated", "message": "Телефон иштебейт", "email": "reporter@example.org"})
    assert response.status_code == 302
    sent = mails(db_query, "organization_reported")
    assert sorted(to for to, _, _ in sent) == ["coadmin@example.org", "moderator@example.org", "owner@example.org"]
    for to, subject, body in sent:
        assert "Мекендеш" in subject and "Телефон иштебейт" in body
        if to != "moderator@example.org":
            # the association reads what is wrong and where to fix it, not who reported it
            assert "reporter@example.org" not in body and f"/organizations/{org_id}/edit" in body
        else:
            assert "/moderation/reports" in body


def test_the_associations_own_people_saving_the_entry_confirm_it(client, login, db_query, owned, make_user):
    from tests.test_directory import FORM

    org_id, owner, _ = owned
    set_confirmed(db_query, org_id, days_ago=600)
    login(make_user(is_admin=True))  # a moderator's edit is not the association's word
    assert client.post(f"/organizations/{org_id}/edit", data=FORM).status_code == 302
    assert db_query(lambda db: db.session.get(Organization, org_id).possibly_outdated)
    client.post("/auth/logout")
    login(owner)
    assert client.post(f"/organizations/{org_id}/edit", data=FORM).status_code == 302
    assert not db_query(lambda db: db.session.get(Organization, org_id).possibly_outdated)
