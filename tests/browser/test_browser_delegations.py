"""A delegation's head on a phone, in Kyrgyz: registers five people (rows added by delegation.js, no reload)
and sees each one's status on the delegation's private page."""
from sqlalchemy import select

from tests.browser.conftest import assert_accessible

PHONE = {"width": 390, "height": 844}
NAMES = ["Айбек Ташиев", "Гүлнара Жумабаева", "Нурлан Садыков", "Жыпар Асанова", "Эрлан Мамытов"]


def test_a_head_registers_five_people_in_kyrgyz_on_a_phone(new_page, make_event, db_query):
    from diaspora.models import Registration

    slug = make_event(capacity=3)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="ky-KG",
                    extra_http_headers={"Accept-Language": "ky"})
    page.goto(f"/events/{slug}")
    with page.expect_navigation():
        page.locator("#register-delegation").click()
    assert page.locator("html").get_attribute("lang") == "ky"
    page.locator("#head_name").fill("Бакыт Осмонов")
    page.locator("#head_phone").fill("+996 555 123 456")
    page.locator("#head_email").fill("bakyt@example.org")
    page.locator("#name").fill("Ош облусунун ишкер делегациясы")
    for _ in range(2):  # three rows at first: two more, added in the page
        page.locator("#add-member").click()
    page.wait_for_function("document.querySelectorAll('[data-member-row]').length === 5")
    for i, name in enumerate(NAMES):
        page.locator(f"#members-{i}-full_name").fill(name)
        page.locator(f"#members-{i}-phone").fill(f"+996 700 000 00{i}")
        page.locator(f"#members-{i}-country").select_option("KG")
        page.locator(f"#members-{i}-city").fill("Ош")
    page.locator("#members-0-email").fill("aibek@example.org")
    page.locator("#consent").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    with page.expect_navigation():
        page.locator("#register-delegation-submit").click()
    assert "/d/" in page.url
    assert page.locator("#delegation-registered").is_visible()
    rows = page.locator("#delegation-members tbody tr")
    assert rows.count() == 5
    texts = [rows.nth(i).inner_text() for i in range(5)]
    assert all(name in text for name, text in zip(NAMES, texts, strict=True))
    assert sum(".pdf" in (rows.nth(i).locator("a").first.get_attribute("href") or "") for i in range(3)) == 3
    assert [rows.nth(i).locator(".waitlist-position").count() for i in range(5)] == [0, 0, 0, 1, 1]
    assert_accessible(page)

    statuses = db_query(lambda db: db.session.scalars(select(Registration.status).order_by(Registration.id)).all())
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
