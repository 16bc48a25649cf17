"""A repeat visit asks for nothing but the page (issue 12): in Chromium, with its HTTP cache on, the second visit
to /map and to / fetches no static file (the service worker on, as for a visitor), and both pages are answered 304 to
their ETag. The requests are counted where the server receives them."""
import threading

import pytest

from tests.browser.conftest import TIMEOUT_MS, wait_for_markers

pytestmark = pytest.mark.browser


class Recorder:
    """WSGI middleware: (path, status) of every request the app answers."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.seen: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")

        def recording_start_response(status, headers, exc_info=None):
            with self.lock:
                self.seen.append((path, int(status.split()[0])))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, recording_start_response)

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            seen, self.seen = self.seen, []
        return seen


def test_a_repeat_visit_fetches_only_the_page(app, browser, live_server, make_org):
    make_org()
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder  # the live server calls app.wsgi_app at each request
    # No request interception here: Playwright's routing turns the browser's HTTP cache off.
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 800},
                                  service_workers="allow")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script("window.__pageErrors = [];")
    try:
        page = context.new_page()
        page.goto("/map")
        wait_for_markers(page)
        page.goto("/")
        page.wait_for_load_state("load")
        first = recorder.take()
        assert any(path.startswith("/static/") and status == 200 for path, status in first), first

        page.goto("/map")
        wait_for_markers(page)
        page.goto("/")
        page.wait_for_load_state("load")
        again = recorder.take()
        assert not [path for path, _ in again if path.startswith("/static/")], again
        # the map page too is the same for everyone (its script allowed by hash, no nonce): a 304
        assert ("/", 304) in again and ("/map", 304) in again, again
    finally:
        context.close()
