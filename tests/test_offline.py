"""Offline reading: the service worker, the app manifest and a country's pack (what "Save for offline"
stores). The browser test with the network switched off is tests/browser/test_browser_offline.py."""
import re

import pytest

from diaspora import offline


def status_of(client, url: str) -> int:
    response = client.get(url)
    response.close()  # a static file is streamed: closing it closes the file
    return response.status_code


@pytest.fixture
def pack_source():
    """A feature's pack source for the test's duration."""
    def source(country):
        return [offline.Page(f"/events?country={country}", f"Events in {country}"), offline.Page("/", "Home")]

    offline.register_pack_source(source)
    yield source
    offline._SOURCES.remove(source)


def test_the_service_worker_is_served_from_the_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"diaspora-saved" in response.data


def test_the_site_is_installable_as_an_app(client):
    page = client.get("/", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    assert 'rel="manifest"' in page and re.search(r'src="/static/js/sw-register-[0-9a-f]{32}\.js"', page)
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "ky"})
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["display"] == "standalone" and data["start_url"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert status_of(client, icon["src"]) == 200


def test_a_pack_lists_the_pages_of_every_source_once_and_what_they_need(client, pack_source):
    offline.register_pack_source(pack_source)  # registering twice changes nothing
    data = client.get("/offline/pack/ru.json").get_json()
    assert data["country"] == "RU"
    urls = [page["url"] for page in data["pages"]]
    assert "/contacts?country=RU" in urls and "/guides?country=RU" in urls  # the features' own sources
    assert urls.count("/events?country=RU") == 1 and urls.count("/") == 1
    assert urls.index("/events?country=RU") < urls.index("/")
    assert {"url": "/events?country=RU", "title": "Events in RU"} in data["pages"]
    # under their hashed names, as the pages the worker saves name them
    assert "/offline" in data["assets"] and any(re.fullmatch(r"/static/css/site-[0-9a-f]{32}\.css", url)
                                                for url in data["assets"])
    for url in data["assets"]:
        assert status_of(client, url) == 200


@pytest.mark.parametrize("country", ["RUS", "1A", "R"])
def test_a_bad_country_is_refused_naming_the_field(client, country):
    response = client.get(f"/offline/pack/{country}.json")
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "country"


def test_the_offline_page_lists_what_was_saved_with_its_script(client):
    page = client.get("/offline", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "data-offline-list" in page and re.search(r'src="/static/js/offline-[0-9a-f]{32}\.js"', page)
