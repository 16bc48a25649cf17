"""Fewer, smaller, cached bytes (issue 12): compressed responses, static files under hashed names cached a
year, ETags and 304s on the pages that are the same for everyone, none on personal ones, deferred scripts."""
import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from tests.assistance_helpers import REQUEST

STATIC = Path(__file__).resolve().parents[1] / "static"
HASHED = re.compile(r"/static/(?:[\w.-]+/)*[\w.-]+-[0-9a-f]{32}\.\w+")
KY = {"Accept-Language": "ky"}


def get(client, url, **headers):
    response = client.get(url, headers={**KY, **headers})
    body = response.get_data()
    response.close()  # a static file is streamed from an open file
    return response, body


def decoded(response, body: bytes) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def static_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


# --- compression ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/help/ask", "/guides", "/api/v1/organizations"])
def test_brotli_and_gzip_bodies_decompress_to_the_same_page(client, make_org, url):
    make_org()
    plain, plain_body = get(client, url, **{"Accept-Encoding": "identity"})
    br, br_body = get(client, url, **{"Accept-Encoding": "gzip, deflate, br"})
    gz, gz_body = get(client, url, **{"Accept-Encoding": "gzip"})
    assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    for response in (plain, br, gz):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert len(br_body) < len(plain_body) / 1.5 and len(gz_body) < len(plain_body) / 1.5
    assert decoded(br, br_body) == plain_body and decoded(gz, gz_body) == plain_body


def test_a_client_that_accepts_no_compression_gets_none(client):
    response, body = get(client, "/")
    assert "Content-Encoding" not in response.headers and b"<html" in body
    assert int(response.headers["Content-Length"]) == len(body)


def test_images_and_tiny_answers_are_not_compressed(client):
    icon, _ = get(client, "/icon-192.png", **{"Accept-Encoding": "br, gzip"})
    assert icon.status_code == 200 and "Content-Encoding" not in icon.headers
    health, body = get(client, "/healthz", **{"Accept-Encoding": "br, gzip"})
    assert health.status_code == 200 and len(body) < 500 and "Content-Encoding" not in health.headers


# --- static files ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/map", "/help", "/help/ask", "/offline"])
def test_pages_name_static_files_by_their_hash_and_these_are_cached_a_year(client, make_org, url):
    make_org()
    _, body = get(client, url)
    urls = static_urls(body.decode())
    assert urls and all(HASHED.fullmatch(u) for u in urls), urls
    for static_url in urls:
        response, content = get(client, static_url, **{"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, static_url
        cache = response.cache_control
        assert cache.public and cache.max_age == 31_536_000 and cache.immutable and not cache.no_cache, static_url
        # the same file whatever the cookies: a new session cookie does not make the browser fetch it again
        assert "Cookie" not in response.headers.get("Vary", "")
        plain_name = re.sub(r"-[0-9a-f]{32}(\.\w+)$", r"\1", static_url.removeprefix("/static/"))
        assert decoded(response, content) == (STATIC / plain_name).read_bytes()


def test_leaflet_travels_compressed_under_its_hashed_name(client, make_org):
    make_org()
    _, body = get(client, "/map")
    leaflet = next(u for u in static_urls(body.decode()) if "/leaflet/leaflet-" in u and u.endswith(".js"))
    response, content = get(client, leaflet, **{"Accept-Encoding": "br"})
    original = (STATIC / "vendor/leaflet/leaflet.js").read_bytes()
    assert response.headers["Content-Encoding"] == "br" and len(content) < len(original) / 3
    assert brotli.decompress(content) == original


@pytest.mark.parametrize("name", ["css/site.css", "js/sw-register.js", "vendor/leaflet/leaflet.js",
                                  "vendor/leaflet/images/layers.png"])
def test_plain_names_still_work_with_a_short_cache(client, name):
    """Pages saved before a deploy, and stylesheets' own relative links (Leaflet's images), use them."""
    response, content = get(client, f"/static/{name}")
    assert response.status_code == 200 and content == (STATIC / name).read_bytes()
    assert response.cache_control.max_age == 600 and not response.cache_control.immutable


def test_a_static_file_answers_304_to_its_etag_compressed_or_not(client):
    for encoding in ("br", "identity"):
        first, _ = get(client, "/static/css/site.css", **{"Accept-Encoding": encoding})
        again, body = get(client, "/static/css/site.css", **{"Accept-Encoding": encoding,
                                                            "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and body == b""


def test_the_offline_pack_lists_the_hashed_names_the_pages_use(client):
    _, body = get(client, "/")
    page_urls = set(static_urls(body.decode()))
    assets = client.get("/offline/pack/RU.json").get_json()["assets"]
    stylesheet = next(u for u in assets if u.startswith("/static/css/site"))
    assert HASHED.fullmatch(stylesheet) and stylesheet in page_urls


def test_the_service_worker_keeps_its_own_url_and_is_always_revalidated(client):
    response, body = get(client, "/sw.js", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert b"diaspora-saved" in decoded(response, body)


# --- conditional requests -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/guides", "/contacts", "/api/v1/organizations", "popup"])
@pytest.mark.parametrize("encoding", ["br", "gzip", "identity"])
def test_pages_the_same_for_everyone_answer_304_to_their_etag(client, make_org, url, encoding):
    org_id = make_org()
    url = f"/map/popup/{org_id}" if url == "popup" else url
    first, body = get(client, url, **{"Accept-Encoding": encoding})
    assert first.status_code == 200 and first.headers.get("ETag"), url
    assert first.cache_control.no_cache and not first.cache_control.public
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    again, again_body = get(client, url, **{"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again_body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    # another language is another page, with another ETag (the API's list has no words to translate)
    russian, russian_body = get(client, url, **{"Accept-Encoding": encoding, "Accept-Language": "ru"})
    if decoded(russian, russian_body) != decoded(first, body):
        assert russian.headers["ETag"] != first.headers["ETag"]
    else:
        assert url.startswith("/api/")


def test_a_changed_page_gets_a_new_etag_and_the_old_one_brings_the_new_body(client, make_org):
    make_org(name="Биринчи")
    first, _ = get(client, "/api/v1/organizations")
    make_org(name="Экинчи", city="Казань", lat=55.79, lng=49.12)
    changed, body = get(client, "/api/v1/organizations", **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and json.loads(body)["total"] == 2
    assert changed.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_pages_with_a_form_that_posts_get_no_shared_etag(client, app_config):
    for url in ("/auth/login", "/auth/signup", "/help/ask"):
        response, body = get(client, url)
        assert response.status_code == 200 and b'name="csrf_token"' in body, url
        assert "ETag" not in response.headers, url
        assert response.cache_control.private or response.cache_control.no_store, url


def test_pages_of_a_logged_in_person_get_no_shared_etag(client, login, make_user):
    anonymous, _ = get(client, "/")
    login(make_user(name="Айгүл"))
    response, _ = get(client, "/", **{"If-None-Match": anonymous.headers["ETag"]})
    assert response.status_code == 200
    assert "ETag" not in response.headers and response.cache_control.private


def test_a_page_showing_a_flashed_message_gets_no_etag_and_the_next_one_does(client):
    first, _ = get(client, "/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Сакталды")]
    flashed, body = get(client, "/", **{"If-None-Match": first.headers["ETag"]})
    assert flashed.status_code == 200 and "Сакталды" in body.decode()
    assert "ETag" not in flashed.headers and flashed.cache_control.private
    after, _ = get(client, "/", **{"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 304


def test_a_page_with_a_map_is_shared_its_script_allowed_by_hash(client, make_org):
    make_org()
    response, body = get(client, "/map")
    assert b"nonce" not in body and "ETag" in response.headers
    assert "'sha256-" in response.headers["Content-Security-Policy"]
    again, _ = get(client, "/map", **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_secret_link_page_stays_no_store_without_an_etag(client, make_org):
    make_org()
    created = client.post("/api/v1/help-requests", json=REQUEST)
    assert created.status_code == 201
    link = "/h/" + created.get_json()["tracking_url"].rsplit("/", 1)[1]
    response, _ = get(client, link)
    assert response.status_code == 200
    assert response.cache_control.no_store and "ETag" not in response.headers


# --- scripts --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/organizations/new", "/map", "/help"])
def test_no_script_holds_up_the_page_from_the_head(client, make_org, url):
    make_org()
    _, body = get(client, url)
    head = body.decode().split("</head>")[0]
    for tag in re.findall(r"<script\b[^>]*>", head):
        assert "defer" in tag or 'type="application/json"' in tag, tag


def test_scripts_are_loaded_only_on_the_pages_that_use_them(client, make_org):
    make_org()
    _, home = get(client, "/")
    _, guides = get(client, "/guides")
    for page in (home.decode(), guides.decode()):
        assert "leaflet" not in page and "map.js" not in page and "pin-picker" not in page
    _, map_page = get(client, "/map")
    assert "/static/vendor/leaflet/leaflet-" in map_page.decode()
    for page in (home.decode(), map_page.decode()):
        assert "js/chooser-" not in page and "js/print-" not in page  # asked for by the pages that use them
    _, subscribe = get(client, "/alerts")
    assert subscribe.decode().count("js/chooser-") == 1


def test_a_map_beside_the_page_waits_to_be_seen(client, make_org):
    """An association's map: no Leaflet script in the page, the map's script kept as text for lazy-map.js,
    and allowed by its hash (it runs when the map comes into view)."""
    response, body = get(client, f"/organizations/{make_org(city='Бишкек', country='KG')}")
    page = body.decode()
    assert "js/lazy-map-" in page and 'type="text/plain" class="lazy-map"' in page
    assert not re.search(r'<script src="/static/vendor/leaflet/', page) and 'rel="preload"' not in page
    assert "'sha256-" in response.headers["Content-Security-Policy"]


def test_static_files_are_compressed_once_at_the_strongest_level(client, make_org):
    make_org()
    _, body = get(client, "/map")
    leaflet = next(u for u in static_urls(body.decode()) if "/leaflet/leaflet-" in u and u.endswith(".js"))
    original = (STATIC / "vendor/leaflet/leaflet.js").read_bytes()
    first = get(client, leaflet, **{"Accept-Encoding": "br"})[1]
    assert first == get(client, leaflet, **{"Accept-Encoding": "br"})[1]
    assert len(first) == len(brotli.compress(original, quality=11))
    assert gzip.decompress(get(client, leaflet, **{"Accept-Encoding": "gzip"})[1]) == original
