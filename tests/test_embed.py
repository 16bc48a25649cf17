"""The widget: pages any site may frame, with no cookies and no forms, whose links open the full site in a new
tab; every other page still refuses to be framed."""
import re

import pytest

HOSTILE = '</script><img src=x onerror=alert(1)>{{ 7*7 }}${alert(1)}'


def framing(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


@pytest.fixture
def widget_org(make_org, make_event):
    org_id = make_org(name="Ата-Журт", country="RU", city="Москва", categories=("legal-aid",), languages=("ky",))
    make_event(title="Нооруз майрамы", organization_id=org_id)
    return org_id


def test_the_widget_may_be_framed_by_any_site_and_sets_no_cookie(client, widget_org, make_user, login):
    for url in ("/embed/map", "/embed/map?country=RU&category=legal-aid&language=ky",
                f"/embed/events?organization={widget_org}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert framing(response) == "frame-ancestors *", url
        assert "X-Frame-Options" not in response.headers, url
        assert "Set-Cookie" not in response.headers, url
        assert "<form" not in response.get_data(as_text=True), url
    # a logged-in visitor's session is not refreshed (nor a CSRF token written) on the widget either
    login(make_user())
    response = client.get(f"/embed/events?organization={widget_org}")
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in response.get_data(as_text=True)


def test_every_other_page_still_refuses_to_be_framed(client, widget_org):
    for url in ("/", "/map", "/embed", f"/organizations/{widget_org}", f"/map/popup/{widget_org}"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert framing(response) == "frame-ancestors 'none'", url


def test_the_map_widget_takes_the_maps_filters(client, make_org, widget_org):
    elsewhere = make_org(name="Бишкек үйү", country="KZ", city="Алматы", lat=43.24, lng=76.91,
                         categories=("adaptation",))
    page = client.get("/embed/map?country=RU&category=legal-aid&language=ky").get_data(as_text=True)
    assert re.search(rf",{widget_org}\]", page) and not re.search(rf",{elsewhere}\]", page)
    page = client.get("/embed/map?country=KZ").get_data(as_text=True)
    assert re.search(rf",{elsewhere}\]", page) and not re.search(rf",{widget_org}\]", page)
    # the full map with the same filters, in a new tab
    assert 'href="http://localhost/map?country=KZ" target="_blank" rel="noopener"' in page \
        or re.search(r'href="[^"]*/map\?country=KZ" target="_blank" rel="noopener"', page)
    # a place we do not know is said, in the widget's language
    page = client.get("/embed/map?near=Zzyzxqwv&lang=ru").get_data(as_text=True)
    assert "Мы не нашли это место" in page or 'lang="ru"' in page


def test_the_widget_speaks_the_language_asked(client, widget_org):
    page = client.get(f"/embed/events?organization={widget_org}&lang=ru",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    page = client.get(f"/embed/events?organization={widget_org}&lang=ky",
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ky">' in page


def test_the_events_widget_lists_the_associations_upcoming_events_linking_out(client, make_org, make_event,
                                                                              widget_org):
    other = make_org(name="Башка")
    make_event(title="Башка иш-чара", organization_id=other)
    make_event(title="Долбоор", organization_id=widget_org, status="draft")
    page = client.get(f"/embed/events?organization={widget_org}").get_data(as_text=True)
    assert "Нооруз майрамы" in page and "Башка иш-чара" not in page and "Долбоор" not in page
    links = re.findall(r"<a [^>]*>", page)
    assert links and all('target="_blank"' in link and 'rel="noopener"' in link for link in links)
    assert client.get("/embed/events?organization=999999").status_code == 404
    for odd in ("abc", "99999999999999999999", "-1", "0", "%00", "١٢"):
        assert client.get(f"/embed/events?organization={odd}").status_code in (400, 404), odd
    assert client.get("/embed?kind=events&organization=99999999999999999999").status_code == 200
    hidden = make_org(name="Күтүүдө", status="pending")
    assert client.get(f"/embed/events?organization={hidden}").status_code == 404


def test_hostile_names_stay_text_in_the_widget(client, make_org, make_event):
    org_id = make_org(name=HOSTILE)
    make_event(title=HOSTILE, organization_id=org_id)
    page = client.get(f"/embed/events?organization={org_id}").get_data(as_text=True)
    assert HOSTILE not in page and "<img src=x" not in page
    # the template braces stay literal text (an evaluated "{{ 7*7 }}" would leave a bare 49 after the tag)
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;{{ 7*7 }}" in page
    page = client.get("/embed/map?near=" + "%3C%2Fscript%3E%3Cimg%20src%3Dx%3E").get_data(as_text=True)
    assert "<img src=x>" not in page
    popup = client.get(f"/map/popup/{org_id}").get_json()
    assert popup["name"] == HOSTILE  # JSON, put on the page with textContent by map.js


def test_the_builder_makes_the_snippet_for_the_filters(client, widget_org):
    page = client.get("/embed?kind=map&country=RU&category=legal-aid&size=small&lang=ky").get_data(as_text=True)
    snippet = re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    # the text to copy is HTML whose attribute has its & escaped
    assert "/embed/map?country=RU&amp;amp;category=legal-aid&amp;amp;lang=ky" in snippet
    assert "width=&#34;320&#34; height=&#34;300&#34;" in snippet
    assert re.search(r'<iframe id="embed-preview"[^>]*src="/embed/map\?country=RU&amp;category=legal-aid&amp;lang=ky"',
                     page)
    page = client.get(f"/embed?kind=events&organization={widget_org}").get_data(as_text=True)
    assert f"/embed/events?organization={widget_org}" in page
    assert "js/embed-builder-" in page
    assert client.get("/map").get_data(as_text=True).count('href="/embed') == 1


def test_the_widgets_popups_speak_its_language(client, widget_org):
    page = client.get("/embed/map?lang=ru", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '"popupQuery": "?lang=ru"' in page
    popup = client.get(f"/map/popup/{widget_org}?lang=ru", headers={"Accept-Language": "en"}).get_json()
    assert popup["link_label"] == "Открыть страницу" and "Россия" in popup["place"]
    popup = client.get(f"/map/popup/{widget_org}?lang=xx", headers={"Accept-Language": "en"}).get_json()
    assert popup["link_label"] == "Open the page"
