"""An association's page lists its upcoming events and its offers of help, with a calendar feed of its
events."""
import icalendar
import pytest

from tests.assistance_helpers import make_offer  # noqa: F401  (a fixture)


@pytest.fixture
def org_with_things(make_user, make_org, make_event, make_offer):
    owner = make_user()
    org_id = make_org(name="Мекен", owner=owner)
    other = make_org(name="Башка", owner=make_user())
    make_event(title="Нооруз майрамы", organization_id=org_id, title_ru="Праздник Нооруз")
    make_event(title="Мурунку жыйын", organization_id=org_id, starts_in_days=-10)
    make_event(title="Долбоор", organization_id=org_id, status="draft")
    make_event(title="Башка иш-чара", organization_id=other)
    make_offer(org_id, owner.id, title="Юридикалык кеңеш")
    return org_id


def test_the_page_lists_upcoming_events_and_offers(client, org_with_things):
    page = client.get(f"/organizations/{org_with_things}").get_data(as_text=True)
    assert "Нооруз майрамы" in page and "Юридикалык кеңеш" in page
    assert "Мурунку жыйын" not in page and "Долбоор" not in page and "Башка иш-чара" not in page
    assert f"/organizations/{org_with_things}/events.ics" in page
    assert f"/embed?kind=events&amp;organization={org_with_things}" in page


def test_the_calendar_feed_has_the_upcoming_events(client, org_with_things):
    response = client.get(f"/organizations/{org_with_things}/events.ics", headers={"Accept-Language": "ru"})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar.get("x-wr-calname")) == "Мекен"
    summaries = [str(item.get("summary")) for item in calendar.walk("VEVENT")]
    assert summaries == ["Праздник Нооруз"]  # in the reader's language; past and draft events left out
    assert all("/events/" in str(item.get("url")) for item in calendar.walk("VEVENT"))


def test_no_feed_for_an_unpublished_or_unknown_association(client, make_org):
    hidden = make_org(status="pending")
    assert client.get(f"/organizations/{hidden}/events.ics").status_code == 404
    assert client.get("/organizations/999999/events.ics").status_code == 404


def test_an_association_without_events_says_so(client, make_org):
    page = client.get(f"/organizations/{make_org()}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No upcoming events." in page and 'id="organization-offers"' not in page
