"""A compatriot joins an association on a phone, in Russian; its admin accepts on their own phone; she then reads
the members' news."""
import pytest

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def settle(page):
    """Wait until the page asked for nothing more (its icons): leaving earlier drops those requests."""
    page.wait_for_load_state("networkidle")


def test_a_compatriot_joins_on_a_phone_in_russian_and_the_admin_accepts(new_page, make_user, make_org, db_query):
    from sqlalchemy import select

    from diaspora.models import OutboxMessage

    owner = make_user(email="owner@example.org", name="Айбек", locale="ru")
    asel = make_user(email="asel@example.org", name="Асель")
    org_id = make_org(name="Ала-Тоо", owner=owner)

    page = new_page(**PHONE)
    page.goto("/lang/ru?next=/")
    log_in(page, asel.email)
    page.goto(f"/organizations/{org_id}")
    assert "1 участник" in page.locator("#member-count").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Вступить в ассоциацию").click()
    settle(page)
    page.fill("#message", "Салам! Я из Оша, живу в Москве.")
    page.get_by_label("Присылать мне новости ассоциации по email").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Подать заявку").click()
    settle(page)
    assert "Ваша заявка отправлена" in page.locator("main").inner_text()
    assert page.locator("#join-waiting").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on the phone
    assert_accessible(page)

    admin = new_page(**PHONE)
    admin.goto("/lang/ru?next=/")
    log_in(admin, owner.email)
    admin.goto(f"/organizations/{org_id}")
    with admin.expect_navigation():
        admin.locator(".actions").get_by_role("link", name="Участники").click()
    settle(admin)
    request = admin.locator("#requests li")
    assert "Асель" in request.inner_text() and "Я из Оша" in request.inner_text()
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(admin)
    with admin.expect_navigation():
        request.get_by_role("button", name="Принять").click()
    settle(admin)
    assert "Асель" in admin.locator("#members").inner_text()
    assert admin.locator("#requests li").inner_text().strip() == "Заявок нет."

    # she is told by mail, in Russian, and the page now opens the members' news to her
    subject = db_query(lambda db: db.session.scalar(select(OutboxMessage.subject).where(
        OutboxMessage.kind == "membership_accepted", OutboxMessage.to_address == asel.email)))
    assert subject == "Вы участник «Ала-Тоо»"
    page.goto(f"/organizations/{org_id}")
    assert "2 участника" in page.locator("#member-count").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Новости для участников").click()
    settle(page)
    assert page.get_by_label("Присылать мне новости ассоциации по email").is_checked()
    assert page.url.endswith(f"/organizations/{org_id}/news")
