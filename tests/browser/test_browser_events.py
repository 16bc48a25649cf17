"""Forum events in a real browser: registering in Kyrgyz down to the ticket, the waitlist, check-in at the door,
approving and rejecting registrations, and axe-core on every event page (public and organizer's)."""
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, log_in, reveal_map
from tests.conftest import REGISTRANT

pytestmark = pytest.mark.browser

# One Kyrgyz phrase: the private page's heading ("Your registration") in translations/ky/LC_MESSAGES/messages.po.
# Everything else is asserted through ids, structure and lang="ky", so wording changes do not break these tests.
KY_YOUR_REGISTRATION = "Каттооңуз"
SESSIONS = [{"title": "Бизнес жана инвестиция", "capacity": 50}, {"title": "Маданият кечеси"}]
QUESTIONS = [{"kind": "text", "label": "Кайсы тилде сүйлөйсүз?", "label_en": "Which languages do you speak?"}]


# --- helpers --------------------------------------------------------------------------------------

def submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).click()


def api_register(client, slug, **fields):
    """A registration made elsewhere (a partner's site, through the API): returns its JSON answer."""
    body = {**REGISTRANT, **fields}
    response = client.post(f"/api/v1/events/{slug}/registrations", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def registrations(db_query, slug):
    """The event's registrations, oldest first, read fresh from the database."""
    from diaspora.models import Event, Registration

    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)
                                  .order_by(Registration.id)).all()
        for row in rows:
            _ = row.session_ids  # loaded before the session closes
            db.session.expunge(row)
        return rows

    return db_query(read)


def as_organizer(page, make_user):
    """A site admin, logged in through the form, reading the site in English (stable texts to assert)."""
    admin = make_user(is_admin=True, name="Организатор")
    page.goto("/lang/en?next=/")
    log_in(page, admin.email)
    assert page.get_attribute("html", "lang") == "en"
    return admin


def figures(page) -> dict[str, str]:
    """The dashboard's #figures list as {term: value}."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#figures dt')]
        .map(dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))""")


def listed_names(page) -> list[str]:
    return [name.strip() for name in page.locator("#registrations tbody td:first-child a").all_inner_texts()]


def filter_by_status(page, status):
    page.select_option("#status", status)
    submit(page, "form.filters button[type=submit]")
    assert f"status={status}" in page.url




def wait_for_map(page):
    """The event pages' small map (folium, local assets): axe should see it as a person does."""
    if page.locator(".map-small").count():
        reveal_map(page, ".map-small")
        page.locator(".map-small .leaflet-marker-icon").first.wait_for(state="visible")


# --- 1. registering in Kyrgyz ---------------------------------------------------------------------

def test_register_in_kyrgyz_and_get_the_ticket(page, make_event, event_ids, db_query):
    slug = make_event(title="Мекендештер форуму 2026", sessions=SESSIONS, questions=QUESTIONS)
    (business, _culture), (question,) = event_ids(slug)

    # The language switch in the header leads back to the same page, now in Kyrgyz.
    page.goto(f"/events/{slug}")
    with page.expect_navigation():
        page.locator("header .lang-switch a[hreflang=ky]").click()
    assert page.url.endswith(f"/events/{slug}")
    assert page.get_attribute("html", "lang") == "ky"
    assert page.locator("header .lang-switch a[hreflang=ky]").get_attribute("aria-current") == "true"
    assert "Мекендештер форуму 2026" in page.locator("h1").inner_text()

    with page.expect_navigation():
        page.locator("main .actions a[href$='/register']").click()
    assert page.url.endswith(f"/events/{slug}/register")
    assert page.get_attribute("html", "lang") == "ky"

    page.fill("#full_name", "Айгүл Токтогулова")
    page.fill("#email", "aigul@example.org")
    page.fill("#phone", "+7 912 000 00 00")
    page.select_option("#country", "RU")
    page.fill("#city", "Екатеринбург")
    page.select_option("#home_region", "osh")
    page.select_option("#sector", "trade")
    # Session and question by their visible labels, as a person finds them.
    page.get_by_label(re.compile("Бизнес жана инвестиция")).check()
    page.get_by_label("Кайсы тилде сүйлөйсүз?").fill("Кыргызча, орусча")
    page.locator("#consent").check()
    submit(page, "#registration-form button[type=submit]")

    # The private page, with the secret link, in Kyrgyz.
    assert re.search(r"/r/[\w-]+\?new=1$", page.url), page.locator("main").inner_text()
    assert page.get_attribute("html", "lang") == "ky"
    assert page.locator("h1").inner_text().strip() == KY_YOUR_REGISTRATION
    assert page.locator("#registered").is_visible()
    assert page.locator("#registered").get_attribute("role") == "status"
    assert "Айгүл Токтогулова" in page.locator("#registered").inner_text()
    assert "aigul@example.org" in page.locator("#registered").inner_text()
    assert page.locator("#status .badge-confirmed").is_visible()
    assert "Бизнес жана инвестиция" in page.locator("#status").inner_text()
    assert "Маданият кечеси" not in page.locator("#status").inner_text()
    assert page.locator("#waitlist-position").count() == 0

    (stored,) = registrations(db_query, slug)
    assert stored.status == "confirmed" and stored.language == "ky"
    assert (stored.full_name, stored.email, stored.country, stored.city) == \
        ("Айгүл Токтогулова", "aigul@example.org", "RU", "Екатеринбург")
    assert (stored.home_region, stored.sector) == ("osh", "trade")
    assert stored.session_ids == [business]
    assert stored.answers == {str(question): "Кыргызча, орусча"}
    assert page.url.split("/r/", 1)[1].split("?")[0] == stored.token

    code = page.locator("#checkin-code").inner_text().strip()
    assert code == stored.code and re.fullmatch(r"[A-Z2-9]{8}", code)
    qr = page.locator("section .qr svg")
    assert qr.count() == 1 and qr.is_visible()
    assert qr.get_attribute("role") == "img" and code in qr.get_attribute("aria-label")
    assert qr.locator("path").get_attribute("d")

    # The ticket link downloads a PDF.
    link = page.locator(f"a[href$='/r/{stored.token}/ticket.pdf']")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"ticket-{slug}.pdf"
    with open(download.path(), "rb") as pdf:
        body = pdf.read()
    assert body.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page(?!s)", body)) == 1
    # The same document, fetched with the page's cookies: a PDF, not cached anywhere.
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    assert response.headers["cache-control"] == "no-store"

    # Coming back later (the link from the mail): the same page without the "just registered" message.
    page.goto(f"/r/{stored.token}")
    assert page.locator("#registered").count() == 0
    assert page.locator("#checkin-code").inner_text().strip() == code
    assert page.get_attribute("html", "lang") == "ky"  # the language choice is kept (cookie)


# --- 2. a full event: the waitlist ----------------------------------------------------------------

def test_a_full_event_puts_the_next_person_on_the_waitlist(page, client, make_event, db_query):
    slug = make_event(capacity=1)
    first = api_register(client, slug, email="first@example.org", full_name="Биринчи Адам")
    assert first["status"] == "confirmed"

    page.goto(f"/events/{slug}")
    register_link = page.locator("main .actions a[href$='/register']")
    with page.expect_navigation():
        register_link.click()
    # The form says it before anyone types: registering now means the waitlist.
    assert page.locator("main .flash-warning[role=status]").count() == 1
    page.fill("#full_name", "Экинчи Адам")
    page.fill("#email", "second@example.org")
    page.select_option("#country", "KZ")
    page.fill("#city", "Алматы")
    page.locator("#consent").check()
    submit(page, "#registration-form button[type=submit]")

    assert re.search(r"/r/[\w-]+\?new=1$", page.url), page.locator("main").inner_text()
    assert page.locator("#registered").is_visible()
    assert page.locator("#status .badge-waitlisted").is_visible()
    position = page.locator("#waitlist-position")
    assert position.is_visible()
    assert re.findall(r"\d+", position.inner_text()) == ["1"], position.inner_text()
    # No ticket while waiting.
    assert page.locator("#checkin-code").count() == 0
    assert page.locator(".qr svg").count() == 0
    assert page.locator("a[href$='/ticket.pdf']").count() == 0

    first_reg, second_reg = registrations(db_query, slug)
    assert (first_reg.status, second_reg.status) == ("confirmed", "waitlisted")
    assert second_reg.email == "second@example.org" and second_reg.waitlist_seq is not None


# --- 3. check-in at the door ----------------------------------------------------------------------

def test_organizer_checks_a_participant_in_by_code(page, client, make_user, make_event, db_query):
    slug = make_event(title="Нооруз кечеси")
    api_register(client, slug, full_name="Айбек Осмонов", email="aibek@example.org")
    (participant,) = registrations(db_query, slug)
    as_organizer(page, make_user)

    page.goto(f"/events/{slug}/manage/checkin")
    assert page.locator("label[for=code]").count() == 1
    # Typed as someone at the door would: lower case, with a space in the middle.
    typed = f"{participant.code[:4].lower()} {participant.code[4:].lower()}"
    page.locator("#code").press_sequentially(typed)
    with page.expect_navigation():
        page.locator("#code").press("Enter")
    result = page.locator("#checkin-result")
    assert result.get_attribute("aria-live") == "assertive"
    assert result.locator(".flash-success").count() == 1, result.inner_text()
    assert "Welcome, Айбек Осмонов!" in result.inner_text()
    assert page.input_value("#code") == ""  # ready for the next person
    assert "Checked in: 1 of 1 confirmed." in page.locator("main").inner_text()

    checked_in_at = registrations(db_query, slug)[0].checked_in_at
    assert checked_in_at is not None

    # The same code again: refused, with the time of the first check-in (in the event's time zone).
    page.locator("#code").fill(participant.code)
    submit(page, "#checkin-form button[type=submit]")
    message = result.inner_text()
    assert result.locator(".flash-error").count() == 1, message
    assert "Айбек Осмонов" in message and "already checked in at" in message
    # on the reader's clock: the organizer reads English, so 1:13 PM (15:30 in Kyrgyz or Russian)
    from babel.dates import format_time

    shown = format_time(checked_in_at.astimezone(ZoneInfo("Asia/Bishkek")), "short", locale="en")
    assert shown in message, message
    assert registrations(db_query, slug)[0].checked_in_at == checked_in_at

    page.goto(f"/events/{slug}/manage")
    numbers = figures(page)
    assert numbers["Checked in"] == "1", numbers
    assert numbers["Confirmed"].startswith("1"), numbers


def test_the_check_in_page_may_use_the_camera(page, make_user, make_event):
    slug = make_event()
    as_organizer(page, make_user)
    page.goto(f"/events/{slug}/manage/checkin")
    assert page.locator("#scanner").is_visible()  # shown by checkin.js where a camera API exists
    allowed = page.evaluate("(document.permissionsPolicy || document.featurePolicy).allowsFeature('camera')")
    assert allowed, "the page's Permissions-Policy forbids the camera the scanner needs"


# --- 4. approving and rejecting -------------------------------------------------------------------

def test_organizer_approves_one_registration_and_rejects_another(page, client, make_user, make_event, db_query):
    slug = make_event(title="Консул менен жолугушуу", approval=True, capacity=10)
    a = api_register(client, slug, full_name="Асель Бакирова", email="asel@example.org")
    b = api_register(client, slug, full_name="Бакыт Жумабаев", email="bakyt@example.org")
    c = api_register(client, slug, full_name="Чолпон Исакова", email="cholpon@example.org")
    assert {a["status"], b["status"], c["status"]} == {"pending"}
    as_organizer(page, make_user)

    page.goto(f"/events/{slug}/manage/registrations")
    filter_by_status(page, "pending")
    assert sorted(listed_names(page)) == ["Асель Бакирова", "Бакыт Жумабаев", "Чолпон Исакова"]

    # Approve Асель from her page.
    with page.expect_navigation():
        page.locator("#registrations a", has_text="Асель Бакирова").click()
    assert page.url.endswith(f"/manage/registrations/{a['id']}")
    submit(page, f"main form[action$='/registrations/{a['id']}/approve'] button[type=submit]")
    assert page.url.endswith(f"/manage/registrations/{a['id']}")  # back where the organizer was
    assert page.locator(".flashes .flash-success").count() == 1
    assert "Confirmed" in page.locator("dl.details").inner_text()
    assert page.locator("form[action$='/approve']").count() == 0

    # Reject Бакыт: a reason is required, and it is what he is told.
    page.goto(f"/events/{slug}/manage/registrations/{b['id']}")
    submit(page, f"main form[action$='/registrations/{b['id']}/reject'] button[type=submit]")
    assert page.url.endswith(f"/manage/registrations/{b['id']}")
    assert page.locator(".flashes .flash-error").count() == 1
    assert registrations(db_query, slug)[1].status == "pending"
    page.get_by_label("Reason, sent to the person").fill("Бул жолугушуу Москвада жашагандар үчүн гана.")
    submit(page, f"main form[action$='/registrations/{b['id']}/reject'] button[type=submit]")
    assert page.url.endswith(f"/events/{slug}/manage/registrations")
    assert page.locator(".flashes .flash-success").count() >= 1

    stored = {r.email: r for r in registrations(db_query, slug)}
    assert stored["asel@example.org"].status == "confirmed"
    assert stored["bakyt@example.org"].status == "rejected"
    assert stored["bakyt@example.org"].rejection_reason == "Бул жолугушуу Москвада жашагандар үчүн гана."
    assert stored["cholpon@example.org"].status == "pending"

    # The list, filtered by status, shows the right people.
    for status, names in (("confirmed", ["Асель Бакирова"]), ("rejected", ["Бакыт Жумабаев"]),
                          ("pending", ["Чолпон Исакова"]), ("waitlisted", [])):
        filter_by_status(page, status)
        assert listed_names(page) == names, (status, listed_names(page))
        assert page.input_value("#status") == status  # the filter stays chosen
    assert re.match(r"\s*0\b", page.locator("#total").inner_text()), page.locator("#total").inner_text()

    # What the rejected person sees on their private page.
    page.goto(f"/r/{stored['bakyt@example.org'].token}")
    assert page.locator("#status .badge-rejected").is_visible()
    assert "Бул жолугушуу Москвада жашагандар үчүн гана." in page.locator("#status").inner_text()
    assert page.locator("#checkin-code").count() == 0


# --- 5. accessibility -----------------------------------------------------------------------------

@pytest.fixture
def event_with_registration(client, make_event):
    slug = make_event(title="Мекендештер форуму 2026", sessions=SESSIONS, questions=QUESTIONS, capacity=100)
    registration = api_register(client, slug, full_name="Айгүл Токтогулова", email="aigul@example.org")
    return slug, registration["manage_url"].rsplit("/r/", 1)[1]


@pytest.mark.parametrize("lang", ["ky", "en"])
def test_public_event_pages_are_accessible(page, event_with_registration, lang):
    slug, token = event_with_registration
    page.goto(f"/lang/{lang}?next=/events")
    for path in ("/events", f"/events/{slug}", f"/events/{slug}/register", f"/r/{token}"):
        page.goto(path)
        assert page.get_attribute("html", "lang") == lang
        wait_for_map(page)
        assert_accessible(page)


def test_register_form_with_errors_is_accessible(page, event_with_registration):
    slug, _ = event_with_registration
    page.goto(f"/events/{slug}/register")
    page.fill("#email", "not-an-email")
    submit(page, "#registration-form button[type=submit]")
    assert page.url.endswith(f"/events/{slug}/register")
    assert page.locator("#form-errors").is_visible()
    assert page.input_value("#email") == "not-an-email"  # what was typed is kept
    for field in ("full_name", "email", "country", "city"):
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true", field
        assert f"{field}-error" in (page.get_attribute(f"#{field}", "aria-describedby") or ""), field
        assert page.locator(f"#{field}-error").is_visible(), field
    assert page.get_attribute("#consent", "aria-invalid") == "true"
    assert_accessible(page)


def test_organizer_pages_are_accessible(page, make_user, event_with_registration, db_query):
    slug, _ = event_with_registration
    as_organizer(page, make_user)
    (registration,) = registrations(db_query, slug)
    for path in (f"/events/{slug}/manage", f"/events/{slug}/manage/registrations",
                 f"/events/{slug}/manage/registrations/{registration.id}", f"/events/{slug}/manage/checkin",
                 "/events/new"):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
    # The check-in page with an answer shown, and the event form after a failed submit.
    page.goto(f"/events/{slug}/manage/checkin")
    page.fill("#code", "NOPE2345")
    submit(page, "#checkin-form button[type=submit]")
    assert page.locator("#checkin-result .flash-error").count() == 1
    assert_accessible(page)
    page.goto("/events/new")
    submit(page)
    assert page.locator("#form-errors").is_visible()
    assert_accessible(page)


def test_register_page_fits_a_phone(new_page, event_with_registration):
    slug, _ = event_with_registration
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"/lang/ky?next=/events/{slug}/register")
    assert page.url.endswith(f"/events/{slug}/register")
    width = "[document.documentElement.scrollWidth, window.innerWidth]"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(width)
    for selector in ("#full_name", "#email", "#country", "#city", "#home_region", "#sector", "#organization_id",
                     "#registration-form button[type=submit]"):
        box = page.locator(selector).bounding_box()
        assert box, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    # Also once the errors are shown (longer texts under the fields).
    with page.expect_navigation():
        page.locator("#registration-form button[type=submit]").tap()
    assert page.locator("#form-errors").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(width)
    assert_accessible(page)
