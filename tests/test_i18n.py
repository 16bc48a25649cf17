"""Every page in Kyrgyz, Russian and English: the browser's language by default, a switch that sticks,
complete catalogues, plurals and numbers through Babel, and Kyrgyz-aware search and sorting."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from diaspora.text import fold, sort_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("locale", ["ky", "ru"])
def test_catalogues_are_complete_and_consistent(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)
    with open(ROOT / "translations" / "messages.pot", "rb") as fh:
        template = read_po(fh)
    missing = [m.id for m in template if m.id and m.id not in catalog]
    assert not missing, f"not in the {locale} catalogue (run make translations-update): {missing[:5]}"
    untranslated = [m.id for m in catalog
                    if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated, untranslated[:5]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, fuzzy[:5]
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not problems, problems[:5]


def test_template_catalogue_is_up_to_date():
    """Every string in the code is in messages.pot (so translators see it)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                        "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "--no-location", "."],
                       cwd=ROOT, check=True, capture_output=True)
        with open(out, "rb") as fh:
            fresh = {m.id for m in read_po(fh) if m.id}
    with open(ROOT / "translations" / "messages.pot", "rb") as fh:
        known = {m.id for m in read_po(fh) if m.id}
    assert fresh <= known, sorted(fresh - known)[:10]


@pytest.mark.parametrize("header, lang, text", [
    ("ky-KG,ky;q=0.9", "ky", "Карта"),
    ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Карта"),
    ("en-US,en;q=0.9", "en", "Map"),
    ("tr-TR,tr;q=0.9", "ky", "Карта"),  # none of ours: Kyrgyz, the default
])
def test_browser_language_is_the_default(client, header, lang, text):
    page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and text in page


def test_pages_are_translated(client, make_org):
    make_org(name="X")
    ky = client.get("/map", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    ru = client.get("/map", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    en = client.get("/map", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Associations on the map" in en
    assert "Associations on the map" not in ky and "Associations on the map" not in ru
    assert ky != ru


def test_the_language_switch_sticks(client):
    response = client.get("/lang/ru?next=/map")
    assert response.status_code == 302 and response.headers["Location"] == "/map"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert client.get("/lang/xx?next=/").status_code == 302
    assert client.get("/lang/en?next=https://evil.example").headers["Location"] == "/"


def test_russian_plurals(client, make_org):
    def heading(n):
        return client.get("/map", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    make_org(name="A")
    one = heading(1)
    make_org(name="B")
    two = heading(2)
    for i in range(3):
        make_org(name=f"C{i}")
    five = heading(5)
    assert "1 ассоциация" in one and "2 ассоциации" in two and "5 ассоциаций" in five


def test_country_and_language_names_are_localised(client, make_org):
    org_id = make_org(country="KG", city="Бишкек", languages=("ky", "ru"))
    ru = client.get(f"/organizations/{org_id}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Кыргызстан" in ru
    en = client.get(f"/organizations/{org_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Kyrgyzstan" in en and "Kyrgyz" in en and "Russian" in en


def test_error_pages_are_translated(client):
    ru = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    en = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert ru.status_code == en.status_code == 404
    assert ru.get_data(as_text=True) != en.get_data(as_text=True)


def test_form_errors_are_in_the_reader_language(client, make_user, login):
    login(make_user())
    client.get("/lang/ky")
    page = client.post("/organizations/new", data={"name": ""}).get_data(as_text=True)
    assert "This field is required." not in page
    assert 'class="error"' in page


def test_folding_handles_kyrgyz_and_cyrillic():
    assert fold("КЫРГЫЗ ӨКМӨТҮ ҢАА") == "кыргыз өкмөтү ңаа"
    assert fold("Ёлка") == fold("елка")
    assert fold("  Бишкек   шаары ") == "бишкек шаары"


def test_sort_key_follows_the_kyrgyz_alphabet():
    names = ["Өрнөк", "Ордо", "Үмүт", "Урал", "Ңаа", "Нур", "Ала-Тоо", "«Кыргыз биримдиги»", "Zeta", "alpha", "Яблоко"]
    assert sorted(names, key=sort_key) == [
        "alpha", "Zeta", "Ала-Тоо", "«Кыргыз биримдиги»", "Нур", "Ңаа", "Ордо", "Өрнөк", "Урал", "Үмүт", "Яблоко"]


def test_lists_sort_kyrgyz_names_alphabetically_on_both_databases(client, make_org):
    for name in ["Үмүт", "Урал", "Өрнөк", "Ордо", "Ала-Тоо"]:
        make_org(name=name)
    names = [f["properties"]["name"] for f in client.get("/api/v1/organizations").get_json()["features"]]
    assert names == ["Ала-Тоо", "Ордо", "Өрнөк", "Урал", "Үмүт"]


def test_search_finds_kyrgyz_letters_in_any_case(client, make_org):
    make_org(name="ӨКМӨТ жана ҮМҮТ")
    assert client.get("/api/v1/organizations?q=өкмөт").get_json()["total"] == 1
    assert client.get("/api/v1/organizations?q=Үмүт").get_json()["total"] == 1
