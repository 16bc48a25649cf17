"""Pages with a map are the same for everyone (ETag, 304; the inline script allowed by its hash, no nonce), and
the map kept per set of filters never shows markers the directory no longer has."""
import base64
import hashlib
import json
import re

import pytest


def inline_script_hashes(page: str) -> list[str]:
    codes = [code for attributes, code in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
             if 'type="application/json"' not in attributes]
    return ["sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() for code in codes]


def marker_ids(page: str) -> list[int]:
    match = re.search(r"var data = (\[.*?\]);", page, re.S)
    assert match, "no marker data on the page"
    return sorted(row[2] for row in json.loads(match.group(1)))


@pytest.fixture
def map_urls(make_org, make_event):
    org_id = make_org(name="Москва биримдиги", categories=("legal-aid",))
    slug = make_event(venue_name="Ала-Тоо аянты", latitude=42.8746, longitude=74.5698)
    return ["/map", "/map?country=RU&category=legal-aid", f"/organizations/{org_id}", f"/events/{slug}",
            "/embed/map", "/help"]


def test_pages_with_a_map_are_shared_and_answer_304(client, map_urls):
    for url in map_urls:
        first = client.get(url)
        body = first.get_data(as_text=True)
        assert first.status_code == 200, url
        assert "nonce" not in body and "nonce" not in first.headers["Content-Security-Policy"], url
        assert "ETag" in first.headers, url
        hashes = inline_script_hashes(body)
        assert hashes, url
        for digest in hashes:
            assert f"'{digest}'" in first.headers["Content-Security-Policy"], url
        second = client.get(url)
        assert second.get_data(as_text=True) == body, url  # the same bytes: folium's random names are gone
        assert second.headers["ETag"] == first.headers["ETag"], url
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304, url


def test_the_same_map_drawn_again_from_scratch_gives_the_same_bytes(client, make_org):
    """What another worker process, with an empty cache, would send."""
    from diaspora.directory import map_filters
    from diaspora.geo import maps

    make_org()
    first = client.get("/map?near=Москва").get_data()
    map_filters._drawn.clear()
    maps._directory_frame.cache_clear()
    maps._pins_map.cache_clear()
    assert client.get("/map?near=Москва").get_data() == first


def test_a_new_association_shows_on_the_map_at_once(client, make_org):
    first = make_org(name="First")
    page = client.get("/map")
    assert marker_ids(page.get_data(as_text=True)) == [first]
    second = make_org(name="Second", lat=42.87, lng=74.59)
    again = client.get("/map", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 200
    assert marker_ids(again.get_data(as_text=True)) == sorted([first, second])


def test_changed_services_moved_and_deleted_associations_change_the_map(app, client, make_org):
    from diaspora.extensions import db
    from diaspora.models import Category, Organization

    kept = make_org(name="Kept", categories=("culture",))
    changing = make_org(name="Changing", categories=("culture",), lat=42.87, lng=74.59)
    assert marker_ids(client.get("/map?category=culture").get_data(as_text=True)) == sorted([kept, changing])
    with app.app_context():  # only its services change: a row of another table
        org = db.session.get(Organization, changing)
        org.categories = [db.session.scalar(db.select(Category).where(Category.slug == "legal-aid"))]
        db.session.commit()
    assert marker_ids(client.get("/map?category=culture").get_data(as_text=True)) == [kept]
    assert marker_ids(client.get("/map?category=legal-aid").get_data(as_text=True)) == [changing]

    with app.app_context():
        db.session.get(Organization, changing).status = "rejected"
        db.session.commit()
    assert "var data = [];" in client.get("/map?category=legal-aid").get_data(as_text=True)
    assert marker_ids(client.get("/map").get_data(as_text=True)) == [kept]

    with app.app_context():
        db.session.delete(db.session.get(Organization, kept))
        db.session.commit()
    assert "var data = [];" in client.get("/map").get_data(as_text=True)


def test_popups_are_shared_json(client, make_org):
    org_id = make_org()
    first = client.get(f"/map/popup/{org_id}", headers={"Accept-Language": "ru"})
    assert first.status_code == 200 and "ETag" in first.headers
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get(f"/map/popup/{org_id}",
                       headers={"Accept-Language": "ru", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_change_stamped_earlier_than_the_newest_still_changes_the_map(app, client, make_org):
    """`updated_at` is stamped before the commit (an import batch stamps one time for all its rows): a change
    committed with an older stamp than the directory's newest must still show."""
    from sqlalchemy import text

    from diaspora.extensions import db

    first = make_org(name="Биринчи", city="Москва", country="RU")
    make_org(name="Экинчи", city="Казань", country="RU")
    before = client.get("/map").get_data(as_text=True)
    assert first in marker_ids(before)
    with app.app_context():
        db.session.execute(text("UPDATE organizations SET status = 'rejected', updated_at = :old WHERE id = :id"),
                           {"old": "2001-01-01 00:00:00", "id": first})
        db.session.commit()
    assert first not in marker_ids(client.get("/map").get_data(as_text=True))
