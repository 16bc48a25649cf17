"""Text people type is shown as typed, never run as a template: every field that a page, a map or a mail
shows, filled with Jinja syntax, comes back literally (issue 7, finding 1: branca compiled folium's output
as a template, so `{{ … }}` in an association's name ran on the server).

Each field gets the payload plus its own tag ("A{{ 7*7 }}B org-name"), so a page is checked for each field
it shows, and the evaluated forms (A49B, CxD, a process id) are looked for next to every tag."""
import re

import pytest
from sqlalchemy import select

from tests.assistance_helpers import REQUEST, make_offer  # noqa: F401  (fixture)

PAYLOADS = {
    "expression": "A{{ 7*7 }}B",
    "statement": "C{% if 1 %}x{% endif %}D",
    "code": "E{{ cycler.__init__.__globals__.os.getpid() }}F",
}
FIELDS = ("org-name", "org-description", "org-city", "event-title", "event-venue", "event-address",
          "session-title", "session-room", "offer-title", "category-name")
EVALUATED = re.compile(r"(?:A49B|CxD|E\d+F) (?:" + "|".join(FIELDS) + ")")


@pytest.fixture(params=list(PAYLOADS), ids=list(PAYLOADS))
def payload(request):
    return PAYLOADS[request.param]


def typed(payload: str, field: str) -> str:
    return f"{payload} {field}"


@pytest.fixture
def world(payload, client, make_user, make_org, make_event, make_offer, event_ids, login):
    """One of everything, every shown field filled with the payload, made as people make them."""
    admin = make_user(email="admin@example.org", is_admin=True)
    owner = make_user(email="owner@example.org")
    login(admin)
    response = client.post("/moderation/categories", data={
        "slug": "payload", "name_ky": typed(payload, "category-name"), "name_ru": typed(payload, "category-name"),
        "name_en": typed(payload, "category-name")})
    assert response.status_code in (200, 302), response.status_code
    client.post("/auth/logout")
    fields = dict(name=typed(payload, "org-name"), description=typed(payload, "org-description"),
                  city=typed(payload, "org-city"), categories=("payload", "legal-aid"), languages=("ky", "ru"))
    org = make_org(owner=owner, lat=56.8389, lng=60.6057, **fields)
    login(owner)  # a new association, registered through the form: its owner sees it while it waits
    response = client.post("/organizations/new", data={
        "name": typed(payload, "org-name") + " (new)", "description_ky": typed(payload, "org-description"),
        "country": "RU", "city": typed(payload, "org-city"), "latitude": "56.84", "longitude": "60.61",
        "categories": ["payload"], "languages": ["ky"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    pending = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post("/auth/logout")
    slug = make_event(title=typed(payload, "event-title"), venue_name=typed(payload, "event-venue"),
                      venue_address=typed(payload, "event-address"), organizer=admin,
                      sessions=[{"title": typed(payload, "session-title"), "room": typed(payload, "session-room")}])
    offer = make_offer(org, owner.id, category="payload", title=typed(payload, "offer-title"))
    session_ids, _questions = event_ids(slug)
    registered = client.post(f"/api/v1/events/{slug}/registrations", json={
        "full_name": "Айгүл Токтогулова", "email": "aigul@example.org", "country": "RU", "city": "Екатеринбург",
        "consent": True, "language": "ky", "sessions": session_ids})
    assert registered.status_code == 201, registered.get_json()
    asked = client.post("/api/v1/help-requests", json={**REQUEST, "category": "payload"})
    assert asked.status_code == 201, asked.get_json()
    return {"admin": admin, "owner": owner, "org": org, "pending": pending, "slug": slug, "offer": offer,
            "tracking": asked.get_json()["tracking_url"].rsplit("/", 1)[1]}


def fetch(client, url: str) -> str:
    response = client.get(url, headers={"Accept-Language": "ru"})
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    text = response.get_data(as_text=True)
    if response.mimetype == "text/calendar":
        text = text.replace("\r\n ", "")  # unfold iCalendar's long lines
    return text


def check(client, url: str, payload: str, *fields: str) -> str:
    text = fetch(client, url)
    found = EVALUATED.findall(text)
    assert not found, f"{url} ran a template: {found}"
    for field in fields:
        assert typed(payload, field) in text, f"{url} does not show {field} as typed"
    return text


def test_public_pages_maps_and_api_show_what_was_typed(client, world, payload):
    org, slug, offer = world["org"], world["slug"], world["offer"]
    check(client, "/", payload)
    check(client, "/map", payload, "org-name", "org-city", "category-name")
    check(client, "/map?category=payload", payload, "org-name", "category-name")
    check(client, f"/map/popup/{org}", payload, "org-name", "org-city", "category-name")
    page = check(client, f"/organizations/{org}", payload, "org-name", "org-description", "org-city",
                 "category-name")
    assert '"label": "' + typed(payload, "org-name") in page  # the small map's marker, as JSON data
    check(client, "/api/v1/organizations", payload, "org-name", "org-city")
    check(client, f"/api/v1/organizations/{org}", payload, "org-name", "org-description", "org-city")
    page = check(client, "/events", payload, "event-title")
    assert '"label": "' + typed(payload, "event-title") in page  # the events' map
    page = check(client, f"/events/{slug}", payload, "event-title", "event-venue", "event-address",
                 "session-title", "session-room")
    assert '"label": "' + typed(payload, "event-venue") in page
    check(client, f"/events/{slug}/register", payload, "event-title", "session-title")
    check(client, f"/events/{slug}/calendar.ics", payload, "event-title", "event-venue")
    check(client, "/api/v1/events", payload, "event-title")
    check(client, "/help", payload, "offer-title", "org-name", "category-name")
    check(client, f"/help/offers/{offer}", payload, "offer-title", "org-name", "category-name")
    check(client, f"/help/offers/popup/{offer}", payload, "offer-title", "org-name", "category-name")
    check(client, "/api/v1/offers", payload, "offer-title")
    check(client, "/help/ask", payload, "category-name")
    check(client, f"/h/{world['tracking']}", payload, "category-name")


def test_people_who_run_things_see_what_was_typed(client, world, payload, login):
    """The owner's view of an entry waiting for moderation (where finding 1 was first seen), the
    moderators', the organizers' and the coordinators' pages."""
    login(world["owner"])
    check(client, f"/organizations/{world['pending']}", payload, "org-name", "org-description", "org-city")
    # a change to the published entry waits for moderation: shown to its people and the moderators
    response = client.post(f"/organizations/{world['org']}/edit", data={
        "name": typed(payload, "org-name") + " 2", "description_ky": typed(payload, "org-description") + " 2",
        "country": "RU", "city": typed(payload, "org-city"), "latitude": "56.8389", "longitude": "60.6057",
        "categories": ["payload", "legal-aid"], "languages": ["ky", "ru"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = check(client, f"/organizations/{world['org']}", payload, "org-name", "org-description")
    assert typed(payload, "org-description") + " 2" in page
    check(client, f"/organizations/{world['org']}/edit", payload, "org-name", "org-description", "org-city")
    check(client, f"/help/offers/{world['offer']}/edit", payload, "offer-title")
    check(client, "/help/coordination", payload, "category-name")
    client.post("/auth/logout")
    login(world["admin"])
    slug = world["slug"]
    page = check(client, "/moderation/", payload, "org-name", "org-city")
    assert typed(payload, "org-description") + " 2" in page  # the waiting change, old and new
    check(client, "/moderation/categories", payload, "category-name")
    check(client, f"/events/{slug}/manage", payload, "event-title")
    check(client, f"/events/{slug}/manage/edit", payload, "event-title", "event-venue", "event-address")
    check(client, f"/events/{slug}/manage/programme", payload, "session-title", "session-room")
    check(client, f"/events/{slug}/manage/registrations", payload, "event-title")
    check(client, f"/events/{slug}/manage/checkin", payload, "event-title")
    check(client, "/help/coordination", payload, "category-name")


def test_mail_shows_what_was_typed(client, world, payload, login, db_query):
    """Every message the world above queued, as composed for sending (the outbox shows the same text)."""
    from diaspora.models import OutboxMessage

    login(world["admin"])
    messages = db_query(lambda db: {m.id: m.kind for m in db.session.scalars(select(OutboxMessage))})
    expected = {
        "moderation_waiting": ("org-name", "org-city"),
        "registration_confirmed": ("event-title", "event-venue", "event-address"),
        "request_routed": ("category-name",),
    }
    # On PostgreSQL a registration's mail is queued before the event's lock, as registration_new, and worded
    # for the registration's status when it is composed (events.registrations._register)
    queued_as = {"registration_new": "registration_confirmed"}
    seen = set()
    for message_id, kind in messages.items():
        kind = queued_as.get(kind, kind)
        check(client, f"/admin/outbox/{message_id}", payload, *expected.get(kind, ()))
        seen.add(kind)
    assert set(expected) <= seen, f"expected mail of each kind, got {sorted(seen)}"
