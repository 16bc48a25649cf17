"""Content in any language (CONTENT_LANGUAGES): the setting, forms with a group per language, the reader's
language then the fallback, search in every language, the API's translations and the CSV columns."""
import csv

import pytest

from diaspora.config import load_config
from diaspora.content_i18n import I18nText, parse_content_languages
from tests.assistance_helpers import make_offer  # noqa: F401

KAZAKH = "ky,ru,en,kk"


@pytest.fixture(autouse=True)
def _kazakh_content(app_config):
    app_config.update(CONTENT_LANGUAGES=KAZAKH)


def test_the_setting_takes_language_codes_and_refuses_anything_else(monkeypatch, tmp_path):
    assert parse_content_languages(None) == ("ky", "ru", "en")
    assert parse_content_languages(" ky, RU,en,kk,tr,kk ") == ("ky", "ru", "en", "kk", "tr")
    for bad in ("ky,xx", "ky,russian", "ky,r u", "ky,../etc"):
        with pytest.raises(RuntimeError, match="CONTENT_LANGUAGES"):
            parse_content_languages(bad)
    monkeypatch.setenv("CONTENT_LANGUAGES", "ky,ru,en,uz")
    assert load_config(str(tmp_path), testing=True)["CONTENT_LANGUAGES"] == ("ky", "ru", "en", "uz")


def test_a_text_falls_back_in_the_configured_order(app):
    text = I18nText({"ru": "Форум", "kk": "Форумы", "xx": ""})
    with app.test_request_context("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9"}):
        assert text.shown() == ("Форумы", "kk")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert text.shown() == ("Форум", "ru")  # no English: ky, then ru
    with app.test_request_context("/?lang=kk", headers={"Accept-Language": "en"}):
        assert text() == "Форумы"
    with app.app_context():
        assert text.get("en") == "Форум" and text.get("kk") == "Форумы"
        assert I18nText({"tr": "Forum"}).get() == "Forum"  # a language no longer offered: better than nothing
        assert I18nText().get() == "" and not I18nText({"ky": "  "})


def test_forms_have_a_group_per_language_with_babel_names(client, make_user, login):
    login(make_user(is_admin=True))
    client.get("/lang/ru")
    page = client.get("/events/new").get_data(as_text=True)
    for lang in ("ky", "ru", "en", "kk"):
        for name in ("title", "description", "venue_name", "venue_address"):
            assert f'id="{name}_{lang}"' in page, (name, lang)
    assert "казахский (қазақ тілі)" in page.casefold()  # in the reader's language, and in its own
    assert 'id="name_kk"' in client.get("/moderation/categories").get_data(as_text=True)


def test_a_service_named_only_in_kazakh(client, make_user, login, db_query):
    login(make_user(is_admin=True))
    empty = client.post("/moderation/categories", data={"slug": "housing"})
    assert empty.status_code == 200 and "name_ky-error" in empty.get_data(as_text=True)
    assert client.post("/moderation/categories", data={"slug": "housing", "name_kk": "Тұрғын үй"}).status_code == 302
    from sqlalchemy import select

    from diaspora.models import Category

    name = db_query(lambda db: db.session.scalar(select(Category.name).where(Category.slug == "housing")))
    assert name == {"kk": "Тұрғын үй"}


def test_search_finds_cyrillic_text_in_every_language(client, make_org, make_user, make_offer):
    owner = make_user()
    org_id = make_org(name="Бірлік", description={"kk": "Қазақ ТІЛІНДЕ заң көмегі", "ru": "Юридическая помощь"},
                      owner=owner)
    names = [f["properties"]["name"] for f in client.get("/api/v1/organizations?q=тілінде").get_json()["features"]]
    assert names == ["Бірлік"]
    assert [f["properties"]["name"] for f in client.get("/api/v1/organizations?q=юридическая").get_json()[
        "features"]] == ["Бірлік"]
    make_offer(org_id, owner.id, descriptions={"kk": "Жұмыс берушімен СӨЙЛЕСЕМІЗ"})
    assert client.get("/api/v1/offers?q=сөйлесеміз").get_json()["total"] == 1


def test_the_api_gives_the_language_asked_and_every_translation(client, make_org, make_event):
    org_id = make_org(description={"ky": "Жардам беребиз", "kk": "Көмектесеміз"})
    kazakh = client.get(f"/api/v1/organizations/{org_id}", headers={"Accept-Language": "kk"}).get_json()
    assert kazakh["properties"]["description"] == "Көмектесеміз"
    assert kazakh["properties"]["translations"] == {"description": {"ky": "Жардам беребиз", "kk": "Көмектесеміз"}}
    asked = client.get(f"/api/v1/organizations/{org_id}?lang=ky", headers={"Accept-Language": "kk"}).get_json()
    assert asked["properties"]["description"] == "Жардам беребиз"
    slug = make_event(title="Форум", title_kk="Форумы", venue_name={"ru": "Зал", "kk": "Зал (kk)"})
    (event,) = [e for e in client.get("/api/v1/events?lang=kk").get_json()["events"] if e["slug"] == slug]
    assert event["title"] == {"ky": "Форум", "ru": None, "en": None}
    assert event["translations"]["title"] == {"ky": "Форум", "kk": "Форумы"}
    assert event["venue"]["name"] == "Зал (kk)"


def test_csv_has_a_description_column_per_language_and_reads_old_files(runner, tmp_path, db_query):
    from sqlalchemy import select

    from diaspora.models import Organization

    path = tmp_path / "orgs.csv"
    path.write_text("name,country,city,description_kk,description\n"
                    "Бірлік,KZ,Алматы,Көмектесеміз,Помогаем землякам\n"
                    "Ала-Тоо,KG,Ош,,Мекендештерге жардам көрсөтөбүз\n", encoding="utf-8")
    assert runner.invoke(args=["import-organizations", str(path)]).exit_code == 0
    found = dict(db_query(lambda db: db.session.execute(select(Organization.name, Organization.description)).all()))
    assert found == {"Бірлік": {"kk": "Көмектесеміз", "ru": "Помогаем землякам"},
                     "Ала-Тоо": {"ky": "Мекендештерге жардам көрсөтөбүз"}}
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export-organizations", str(out)]).exit_code == 0
    with out.open(encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert header[-4:] == ["description_ky", "description_ru", "description_en", "description_kk"]


@pytest.fixture
def crimean_tatar_content(app_config):
    app_config.update(CONTENT_LANGUAGES="ky,ru,en,crh")  # a code CLDR names but has no locale data for


def test_a_language_without_locale_data_still_gets_its_form_fields(crimean_tatar_content, client, make_user, login):
    login(make_user(is_admin=True))
    for path in ("/events/new", "/moderation/categories"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '_crh"' in response.get_data(as_text=True), path


def test_a_save_keeps_the_texts_of_languages_no_longer_offered(app, make_event, make_user):
    """Turkish was offered once (the event has a Turkish title); a form of today's languages saves over it."""
    from sqlalchemy import select

    from diaspora.events import services
    from diaspora.extensions import db
    from diaspora.models import Event

    slug = make_event(title="Форум", title_tr="Forum", venue_name={"ky": "Зал", "tr": "Salon"})
    admin = make_user(is_admin=True)
    with app.test_request_context("/"):
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        services.update_event(db.session.merge(admin), event, services.EventData(
            titles={"ky": "Форум 2027", "ru": "", "en": "", "kk": "Форумы"}, starts_at=event.starts_at,
            ends_at=event.ends_at, city=event.city, country=event.country, latitude=event.latitude,
            longitude=event.longitude, venue_name={"ky": "", "ru": "", "en": "", "kk": ""}, capacity=event.capacity))
        db.session.flush()
        assert event.title.as_dict() == {"tr": "Forum", "ky": "Форум 2027", "kk": "Форумы"}
        assert event.venue_name.as_dict() == {"tr": "Salon"}  # the configured ones emptied, Turkish kept
        db.session.rollback()


def test_moderators_see_a_new_association_in_every_language(client, make_org, make_user, login):
    make_org(name="Жаңы уюм", status="pending",
             description={"ky": "Мекендештерге жардам", "en": "Send your passport number to win a prize"})
    admin = make_user(is_admin=True)
    login(admin)
    client.get("/lang/ky")
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "Мекендештерге жардам" in queue and "Send your passport number to win a prize" in queue


def test_api_answers_vary_on_the_language_asked(client, make_event):
    make_event(title="Форум", title_kk="Форумы")
    response = client.get("/api/v1/events", headers={"Accept-Language": "kk"})
    assert "Accept-Language" in response.headers.get("Vary", "")
