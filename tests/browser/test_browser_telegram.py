"""A migrant on a 320 px phone, in Kyrgyz, links their request to Telegram and unlinks it from the page."""
import re

import pytest

from tests.assistance_helpers import REQUEST, send_request  # noqa: F401
from tests.browser.conftest import assert_accessible
from tests.test_telegram import BOT, SECRET, update

pytestmark = pytest.mark.browser


@pytest.fixture
def telegram_configured(app_config):
    app_config.update(TELEGRAM_BOT_TOKEN="123456:TEST-token", TELEGRAM_BOT_USERNAME=BOT,
                      TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_API_URL="http://127.0.0.1:9")


def test_link_and_unlink_telegram_on_a_small_phone(telegram_configured, new_page, client, send_request):
    _reference, token = send_request(language="ky")
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page.goto("/lang/ky?next=/")
    page.goto(f"/h/{token}")
    link = page.locator("#telegram-link")
    href = link.get_attribute("href")
    assert re.fullmatch(rf"https://t\.me/{BOT}\?start=[A-Za-z0-9_-]{{20,64}}", href or ""), href
    box = link.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 and box["height"] >= 24
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    # the person presses Start in Telegram (the webhook gets the code); the page now offers to unlink
    assert update(client, f"/start {href.rsplit('=', 1)[1]}").status_code == 200
    page.reload()
    with page.expect_navigation():
        page.locator("#telegram-unlink").tap()
    assert page.url.endswith(f"/h/{token}")
    assert page.locator("#telegram-link").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
