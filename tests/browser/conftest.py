"""Browser fixtures: one headless Debian Chromium per session (never a downloaded one), a fresh context and
page per test, every request that does not go to the test server blocked and recorded.

Without /usr/bin/chromium the browser tests are skipped locally and fail in CI (CI must never skip).
"""
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import DEFAULT_PASSWORD, IN_CI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1"}
# Time for one thing a person would wait for (a page, a popup); generous for a loaded 2-core CI box.
TIMEOUT_MS = 15_000
# Script errors are also kept in the page, so a wait can stop at once when the page's script has failed.
RECORD_ERRORS = """
window.__pageErrors = [];
window.addEventListener("error", function (e) { window.__pageErrors.push(String(e.message)); });
window.addEventListener("unhandledrejection", function (e) { window.__pageErrors.push(String(e.reason)); });
"""
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Debian's Chromium through executable_path: Playwright never looks for (or fetches) a browser of its own.
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _browser_app_config(app_config):
    """No tile layer (so no external request at all), and CSRF on, as a real visitor has it."""
    app_config.update(TILES_URL="", WTF_CSRF_ENABLED=True)


class PageWatch:
    """What happened in the browser that a person would notice, or that must never happen."""

    def __init__(self):
        self.external: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.broken: list[str] = []
        self.csp: list[str] = []

    def route(self, route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def console(self, message):
        # Chromium reports what the Content Security Policy blocked as a console error
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def response(self, response):
        # A missing script, stylesheet or marker image breaks the map quietly: count every failed asset.
        if response.status >= 400 and response.request.resource_type != "document" \
                and not response.url.endswith("/favicon.ico"):
            self.broken.append(f"{response.status} {response.url}")

    def summary(self) -> str:
        return "\n".join([f"JavaScript errors: {self.errors}", f"requests outside the test server: {self.external}",
                          f"failed requests: {self.broken}", f"dialogs: {self.dialogs}",
                          f"Content Security Policy violations: {self.csp}"])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
        watch = item.funcargs.get("watch")
        if report.failed and watch is not None:
            report.sections.append(("what the browser saw", watch.summary()))
    return report


@pytest.fixture
def watch():
    return PageWatch()


@pytest.fixture
def new_page(request, browser, live_server, watch):
    """new_page(**context_options) -> a page in a fresh context, with base_url set to the live server."""
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.route("**/*", watch.route)
        context.add_init_script(RECORD_ERRORS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", watch.dialog)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("response", watch.response)
        page.on("console", watch.console)
        return page

    yield make
    for context in contexts:
        context.close()
    if request.node.stash.get(_CALL_FAILED, True):
        return  # already reported, with what the browser saw
    # Checked after every browser test: the site must work from local assets only, without script errors.
    assert not watch.external, f"requests outside the test server were attempted: {watch.external}"
    assert not watch.errors, f"JavaScript errors on the page: {watch.errors}"
    assert not watch.dialogs, f"dialogs were opened: {watch.dialogs}"
    assert not watch.broken, f"assets or API calls failed: {watch.broken}"
    assert not watch.csp, f"the Content Security Policy blocked something: {watch.csp}"


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, email, password=DEFAULT_PASSWORD):
    """Log in through the form, as a person would (the CSRF token comes from the page)."""
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/auth/login" not in page.url, page.locator("main").inner_text()


def reveal_map(page, frame: str) -> None:
    """Scroll the map's box into view, as a person would: maps other than /map's load only when they come
    near the screen (static/js/lazy-map.js)."""
    page.locator(frame).first.scroll_into_view_if_needed()


def wait_for_markers(page, minimum=1, frame="#directory-map"):
    """Leaflet markers or cluster icons on the map in `frame` (failing at once if the page's script failed)."""
    reveal_map(page, frame)
    page.wait_for_function(
        "([n, frame]) => document.querySelectorAll(frame + ' .leaflet-marker-icon').length >= n"
        " || window.__pageErrors.length > 0", arg=[minimum, frame])
    errors = page.evaluate("window.__pageErrors")
    assert not errors, f"the map did not load, JavaScript errors: {errors}"


def open_popup_containing(page, text, attempts=8, frame="#directory-map"):
    """Click markers (zooming into clusters when needed) until a popup shows `text`; return the popup."""
    popup = page.locator(".leaflet-popup-content")
    for _ in range(attempts):
        wait_for_markers(page, frame=frame)
        markers = page.locator(f"{frame} .leaflet-marker-icon:not(.marker-cluster)")
        for i in range(markers.count()):
            markers.nth(i).click()
            popup.wait_for(state="visible")
            # The details are fetched when the popup opens: wait for the link, or the failure message.
            page.wait_for_function(
                "() => document.querySelector('.leaflet-popup-content a') !== null"
                " || document.querySelector('.leaflet-popup-content').textContent === window.diasporaMap.failed")
            shown = popup.inner_text()
            assert shown.strip() != page.evaluate("window.diasporaMap.failed"), "the popup could not load its details"
            if text in shown:
                return popup
            close_popup(page)
        clusters = page.locator(f"{frame} .marker-cluster")
        if not clusters.count():
            break
        watch_for_move(page, frame)
        clusters.first.click()
        page.evaluate("() => window.__mapMoved")  # the zoom into the cluster has ended
    raise AssertionError(f"no marker popup showed {text!r}")


def watch_for_move(page, frame: str) -> None:
    """Before an action that moves the map in `frame`: window.__mapMoved resolves when the move has ended
    (Leaflet's moveend), or after a generous bound if the map does not move (a spiderfied cluster)."""
    page.evaluate("""(frame) => {
        const map = window[document.querySelector(frame + ' .folium-map').id];
        window.__mapMoved = new Promise((done) => {
            map.once('moveend', () => done(true));
            setTimeout(() => done(false), 15000);
        });
    }""", frame)


def close_popup(page):
    """Close the open popup with its close button. Dispatched, not clicked: when a popup is cut off by the
    map's frame the button may be hidden, and that is asserted where it matters, not here."""
    page.locator(".leaflet-popup-close-button").dispatch_event("click")
    page.locator(".leaflet-popup").wait_for(state="detached")


def assert_inside(page, inner, outer, what, timeout_ms=15_000):
    """`inner` ends up entirely within `outer` on screen (Leaflet may still be panning): a person can see it,
    not clipped by the map's frame."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        a, b = page.locator(inner).bounding_box(), page.locator(outer).bounding_box()
        assert a and b, what
        inside = (a["x"] >= b["x"] - 1 and a["y"] >= b["y"] - 1 and a["x"] + a["width"] <= b["x"] + b["width"] + 1
                  and a["y"] + a["height"] <= b["y"] + b["height"] + 1)
        if inside:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} is cut off: {a} is not inside {b}")
        page.wait_for_timeout(100)


BLOCKING = {"serious", "critical"}


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page. Evaluated through the DevTools protocol rather than added as a
    <script>: the site's Content Security Policy (rightly) runs no inline script but the page's own (allowed by
    hash)."""
    if not AXE_PATH.exists():
        pytest.fail(f"{AXE_PATH} is missing: run `make setup-dev` (npm ci installs axe-core)", pytrace=False)
    page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe(violations: list[dict], url: str) -> str:
    lines = [f"accessibility violations on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:4]:
            summary = node.get("failureSummary", "").splitlines()[-1:]
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary}")
        if len(v["nodes"]) > 4:
            lines.append(f"    ... and {len(v['nodes']) - 4} more")
    return "\n".join(lines)


def assert_accessible(page):
    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not violations, describe(violations, page.url)
