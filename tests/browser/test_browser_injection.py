"""Template syntax typed into names and titles, as a person sees it on the maps: popups and tooltips show it
literally (issue 7, finding 1): an association's name, city and services, an event's title and venue, an
offer's title; under a Content Security Policy without 'unsafe-inline' (the fixtures fail a test on any CSP
violation)."""
import pytest

from tests.assistance_helpers import make_offer  # noqa: F401  (fixture)
from tests.browser.conftest import open_popup_containing, reveal_map
from tests.test_template_injection import PAYLOADS

pytestmark = pytest.mark.browser


def hover_tooltip(page, marker_selector: str) -> str:
    reveal_map(page, ".map-small")
    marker = page.locator(marker_selector).first
    marker.wait_for(state="visible")
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible")
    return tooltip.inner_text().strip()


def add_category(app, site_admin, name: str) -> None:
    """A service a site admin adds (Moderation → Services), named `name` in every language."""
    from diaspora.directory import services
    from diaspora.extensions import db

    with app.app_context():
        services.add_category(db.session.merge(site_admin), "payload", {"ky": name, "ru": name, "en": name})
        db.session.commit()


@pytest.mark.parametrize("key", list(PAYLOADS))
def test_popups_and_tooltips_show_template_syntax_as_typed(app, page, make_user, make_org, make_event,
                                                           make_offer, key):
    payload = PAYLOADS[key]
    owner = make_user()
    add_category(app, make_user(is_admin=True), f"{payload} service")
    org = make_org(name=f"{payload} org", city=f"{payload} city", lat=56.8389, lng=60.6057, owner=owner,
                   categories=("legal-aid", "payload"))
    slug = make_event(title=f"{payload} event", venue_name=f"{payload} venue")
    make_offer(org, owner.id, title=f"{payload} offer")

    page.goto("/map")
    popup = open_popup_containing(page, f"{payload} org")
    assert f"{payload} city" in popup.inner_text() and f"{payload} service" in popup.inner_text()

    page.goto(f"/organizations/{org}")
    assert hover_tooltip(page, ".map-small .leaflet-marker-icon") == f"{payload} org"
    assert page.locator(".map-small .leaflet-marker-icon").first.get_attribute("alt") == f"{payload} org"

    page.goto("/help")
    popup = open_popup_containing(page, f"{payload} offer", frame="#offers-map")
    assert f"{payload} org" in popup.inner_text()

    page.goto("/events")
    assert hover_tooltip(page, ".map-small .leaflet-marker-icon") == f"{payload} event"
    page.locator(".map-small .leaflet-marker-icon").first.click()
    link = page.locator(".leaflet-popup-content a")
    link.wait_for(state="visible")
    assert link.inner_text().strip() == f"{payload} event"
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/events/{slug}")
    assert hover_tooltip(page, ".map-small .leaflet-marker-icon") == f"{payload} venue"
