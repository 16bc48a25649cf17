"""The widget as an association's site shows it: in an iframe on a page from another origin (a tiny server
the test starts on another port), with markers, a popup, and links that open the full site in a new tab."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_accessible, open_popup_containing, wait_for_markers

pytestmark = pytest.mark.browser


@pytest.fixture
def association_site(live_server):
    """start(widget_path) -> the address of a page on another origin that frames the widget."""
    servers = []

    def start(widget_path: str) -> str:
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our association</title></head>'
                f'<body><h1>Our association</h1><iframe id="widget" name="widget" title="Map" '
                f'src="{live_server}{widget_path}" width="600" height="450"></iframe></body></html>').encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _widget(page):
    page.locator("#widget").wait_for()
    frame = page.frame(name="widget")
    assert frame is not None
    frame.wait_for_load_state()
    return frame


def test_the_map_widget_on_another_site_shows_markers_and_opens_a_popup(page, make_org, association_site,
                                                                        live_server):
    name = "Ата-Журт <b>Москва</b>"
    org_id = make_org(name=name, country="RU", city="Москва", categories=("legal-aid",), languages=("ky",))
    make_org(name="Алматы үйү", country="KZ", city="Алматы", lat=43.24, lng=76.91)
    site = association_site("/embed/map?country=RU&category=legal-aid&language=ky&lang=ru")
    assert urlsplit(site).port != urlsplit(live_server).port  # another port: another origin
    page.goto(site)
    frame = _widget(page)
    wait_for_markers(frame, 1)
    assert frame.locator("#directory-map .leaflet-marker-icon").count() == 1  # the filters hold
    popup = open_popup_containing(frame, name)
    assert name in popup.inner_text()  # a name with markup stays text
    assert frame.locator(".leaflet-popup-content b").count() == 0
    link = popup.locator("a")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener"
    with page.context.expect_page() as opened:
        link.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/organizations/{org_id}")
    assert page.url == site  # the association's own page stays where it was
    assert frame.locator("html").get_attribute("lang") == "ru"


def test_the_events_widget_on_another_site(page, make_org, make_event, association_site):
    org_id = make_org(name="Мекен")
    make_event(title="Нооруз майрамы", organization_id=org_id)
    page.goto(association_site(f"/embed/events?organization={org_id}"))
    frame = _widget(page)
    link = frame.get_by_role("link", name="Нооруз майрамы")
    link.wait_for()
    assert link.get_attribute("target") == "_blank"


def test_the_builder_updates_the_snippet_and_the_preview(page, make_org):
    make_org(name="Мекен", country="RU")
    page.goto("/embed")
    page.select_option("#country", "RU")
    page.select_option("#size", "small")
    snippet = page.locator("#snippet")
    page.wait_for_function("() => document.getElementById('snippet').value.includes('country=RU')")
    assert 'width="320" height="300"' in snippet.input_value()
    # the preview reloads with the filters and shows the association on the map
    page.wait_for_function("""() => {
        const doc = document.getElementById('embed-preview').contentDocument;
        return doc.location.search.includes('country=RU') && doc.readyState === 'complete'
            && doc.querySelectorAll('#directory-map .leaflet-marker-icon').length > 0; }""")
    page.check("input[name=kind][value=events]")
    assert page.locator("#organization").is_visible() and not page.locator("#country").is_visible()
    page.wait_for_function("""() => {
        const doc = document.getElementById('embed-preview').contentDocument;
        return doc.location.pathname === '/embed/events' && doc.readyState === 'complete'; }""")


def test_the_widget_and_its_builder_are_accessible(page, make_org, make_event):
    org_id = make_org(name="Мекен")
    make_event(title="Нооруз майрамы", organization_id=org_id)
    for url in ("/embed", "/embed/map?lang=ky", f"/embed/events?organization={org_id}&lang=ru"):
        page.goto(url)
        assert_accessible(page)
