"""Every public page on a 320 px and a 390 px phone: nothing scrolls sideways (the widest element is named
when something does), axe-core finds nothing serious, the header's menu opens with a finger, and the languages
of an association are chosen by touch with the searchable chooser (no Ctrl-click list)."""
import re

import pytest
from sqlalchemy import select

from tests.assistance_helpers import CITIES, REQUEST, make_offer  # noqa: F401
from tests.browser.conftest import assert_accessible, log_in, wait_for_markers
from tests.conftest import REGISTRANT
from tests.guide_helpers import make_guide  # noqa: F401

pytestmark = pytest.mark.browser

LONG_WORD = "Кыргызстандыктардынжардамбериsuccorassociationwithaverylongnamewithoutspaces"
VIEWPORTS = [(320, 640), (390, 844)]

# The widest things on the page, to say what to fix when the page is wider than the screen.
WIDEST = """(limit) => {
  return Array.from(document.querySelectorAll('body *'))
    .map((e) => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.right > limit + 1 && r.width > 0)
    .sort((a, b) => b[1].right - a[1].right).slice(0, 5)
    .map(([e, r]) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
         ' right=' + Math.round(r.right) + ' "' + (e.textContent || '').trim().slice(0, 40) + '"');
}"""


def sideways(page) -> str | None:
    """None when the page fits the screen, else what sticks out. Measured against the viewport's width, not
    window.innerWidth: a mobile browser zooms out to show a page that is too wide, and innerWidth grows."""
    screen = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= screen:
        return None
    return f"{page.url}: {width} px wide on {screen} px; widest: {page.evaluate(WIDEST, screen)}"


def submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).click()


@pytest.fixture
def site(app, client, make_org, make_user, make_event, make_guide, make_offer):
    """One of everything a visitor can open, with long names and words where a page could break."""
    from diaspora.contacts.seed import seed_emergency_numbers
    from diaspora.extensions import db

    owner = make_user(email="owner@example.org", name="Айжан")
    lat, lng = CITIES["Екатеринбург"]
    org = make_org(name=f"Кыргыз биримдиги {LONG_WORD}", city="Екатеринбург", lat=lat, lng=lng,
                   website="https://example.org/a/very/long/path/that/does/not/wrap/easily/on/a/phone",
                   email="a.very.long.address.for.the.association@example.org", phone="+7 912 000 11 22",
                   categories=("legal-aid",), languages=("ky", "ru"), owner=owner,
                   description=f"Жардам: иш, документтер. {LONG_WORD}")
    offer = make_offer(org, owner.id, title=f"Юридикалык кеңеш {LONG_WORD}")
    slug = make_event(title=f"Мекендештер форуму {LONG_WORD}", venue_name="Ала-Too аянты",
                      venue_address="Бишкек, Чүй проспекти 1",
                      sessions=[{"title": "Бизнес жана инвестиция", "capacity": 50}, {"title": "Маданият кечеси"}])
    body = (f"## Эмне кылуу керек\n\n{LONG_WORD}\n\n| а | б | в |\n|---|---|---|\n| 1 | 2 | 3 |\n\n"
            "`https://example.org/a/very/long/path/that/does/not/wrap/on/a/phone`")
    guide = make_guide(titles={"ky": f"Айлык төлөнбөсө {LONG_WORD}"}, bodies={"ky": body})
    with app.app_context():
        seed_emergency_numbers()
        db.session.commit()
    response = client.post(f"/api/v1/events/{slug}/registrations", json=REGISTRANT)
    assert response.status_code == 201, response.get_data(as_text=True)
    registration = "/r/" + response.get_json()["manage_url"].rsplit("/r/", 1)[1]
    request = client.post("/api/v1/help-requests", json={
        **REQUEST, "description": f"Иш берүүчү үч ай бою айлык төлөгөн жок. {LONG_WORD}"})
    assert request.status_code == 201, request.get_json()
    help_private = "/h/" + request.get_json()["tracking_url"].rsplit("/h/", 1)[1]
    return {"owner": owner, "org": org, "offer": offer, "event": slug, "guide": guide,
            "registration": registration, "help_private": help_private}


PUBLIC = ["/", "/map", "/events", "/events/{event}", "/events/{event}/register", "/help", "/help/ask",
          "/help/find", "/help/offers/{offer}", "/contacts", "/guides", "/guides/{guide}", "/organizations/{org}",
          "/auth/login", "/auth/signup", "/auth/reset", "/api", "/alerts", "/embed", "{registration}",
          "{help_private}"]
LOGGED_IN = ["/organizations/new", "/help/offers/new", "/contacts/new", "/auth/account"]


def ready(page, path):
    """Wait for what the page builds after loading (maps), so the width and axe see what a person sees."""
    if path == "/map":
        wait_for_markers(page, 1)
    elif path == "/organizations/new":
        page.locator("#pin-picker").wait_for(state="visible")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_no_page_scrolls_sideways_and_axe_finds_nothing_serious(new_page, site, width, height):
    phone = new_page(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
    phone.goto("/lang/ky?next=/")
    wide = []
    for template in PUBLIC:
        path = template.format(**site)
        response = phone.goto(path)
        assert response.status == 200, path
        ready(phone, path)
        if problem := sideways(phone):
            wide.append(problem)
        if width == 320:
            assert_accessible(phone)
    log_in(phone, site["owner"].email)
    for path in LOGGED_IN:
        phone.goto(path)
        ready(phone, path)
        if problem := sideways(phone):
            wide.append(problem)
        if width == 390:
            assert_accessible(phone)
    assert not wide, "\n".join(wide)


def test_the_menu_opens_with_a_finger_and_the_languages_are_always_there(new_page, site):
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    phone.goto("/lang/en?next=/")
    menu = phone.locator(".menu-toggle")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    guides = phone.locator("nav.main-nav a[href='/guides']")
    assert guides.is_hidden()
    # the language switch stays on screen, each language a 44 px target
    for code in ("ky", "ru", "en"):
        box = phone.locator(f".lang-switch a[hreflang={code}]").bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 320, (code, box)
    menu.tap()
    assert menu.get_attribute("aria-expanded") == "true"
    box = guides.bounding_box()
    assert box and box["height"] >= 44 and box["x"] + box["width"] <= 320, box
    assert_accessible(phone)
    with phone.expect_navigation():
        guides.tap()
    assert phone.url.endswith("/guides")
    assert sideways(phone) is None

    # without JavaScript every link shows, and there is no button that would do nothing
    plain = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    plain.goto("/guides")
    assert plain.locator(".menu-toggle").is_hidden()
    assert plain.locator("nav.main-nav a[href='/events']").is_visible()
    assert sideways(plain) is None


def test_languages_are_chosen_by_touch_with_a_search(new_page, site, db_query):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto("/lang/ru?next=/")
    log_in(phone, site["owner"].email)
    phone.goto("/organizations/new")
    phone.locator("#pin-picker").wait_for(state="visible")
    assert "Ctrl" not in phone.locator("main").inner_text()
    phone.fill("#name", "Мекен")
    phone.fill("#description_ky", "Жаңы келгендерге жардам.")
    phone.select_option("#country", "KG")
    phone.fill("#city", "Бишкек")
    phone.locator("input[name=categories]").first.tap()

    chooser = phone.locator("fieldset#languages")
    assert chooser.locator("select").count() == 0
    chooser.locator("input[value=ru]").tap()
    chooser.locator("input[value=en]").tap()
    status = chooser.locator(".chooser-chosen")
    assert "английский" in status.inner_text().lower() and "русский" in status.inner_text().lower()
    search = chooser.locator("input[type=search]")
    search.tap()
    search.fill("кирг")
    kyrgyz = chooser.locator("input[value=ky]")
    turkish = chooser.locator("input[value=tr]")
    assert kyrgyz.is_visible() and turkish.is_hidden()
    assert chooser.locator("input[value=ru]").is_visible()  # what is chosen stays in sight
    kyrgyz.tap()
    assert "киргизский" in status.inner_text().lower()
    # nothing wider than the phone, the search included
    assert sideways(phone) is None
    box = search.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Enter in the search box does not send the form
    search.press("Enter")
    assert phone.url.endswith("/organizations/new")

    submit(phone)
    assert re.search(r"/organizations/\d+$", phone.url), phone.locator("main").inner_text()
    from diaspora.models import Organization

    org_id = int(phone.url.rsplit("/", 1)[1])
    languages = db_query(lambda db: db.session.scalar(select(Organization).where(Organization.id == org_id)).languages)
    assert sorted(languages) == ["en", "ky", "ru"]
    shown = phone.locator("main").inner_text().lower()
    assert "киргизский" in shown and "русский" in shown and "английский" in shown

    # back on the form, the chosen ones come first
    phone.goto(f"/organizations/{org_id}/edit")
    first = phone.locator("fieldset#languages .chooser-options input").evaluate_all(
        "(boxes) => boxes.slice(0, 3).map((b) => [b.value, b.checked])")
    assert sorted(first) == [["en", True], ["ky", True], ["ru", True]]


def test_the_chooser_without_javascript_shows_every_checkbox(new_page, site):
    plain = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    plain.goto("/alerts")
    assert plain.locator("fieldset#languages input[type=search]").is_hidden()
    boxes = plain.locator("fieldset#languages input[type=checkbox]")
    assert boxes.count() > 20
    assert boxes.nth(boxes.count() - 1).is_visible()
    assert sideways(plain) is None
