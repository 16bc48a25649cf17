"""Control characters, which no person types: refused in every form's text (with the message next to the
field), in the services the API and the CLI use, and in URL paths (a 404, never a 500 on PostgreSQL)."""
import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import StringField

import diaspora
from diaspora.content_forms import _form_class
from diaspora.content_i18n import DEFAULT_CONTENT_LANGUAGES
from diaspora.models import HelpRequest, Organization, Registration, User
from tests.assistance_helpers import REQUEST
from tests.conftest import REGISTRANT
from tests.test_directory import FORM

# ESC, BEL, DEL and a C1 code: each looks like nothing on a page
CONTROLS = ["\x1b", "\x07", "\x7f", "\x85"]


def all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(diaspora.__path__, "diaspora."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    # a form with fields in each content language (content_forms), as it is shown with the default languages
    return [_form_class(cls, DEFAULT_CONTENT_LANGUAGES) if getattr(cls, "TRANSLATED", None) else cls
            for cls in found if cls.__module__.startswith("diaspora.") and "built_for_languages" not in vars(cls)]


def test_every_form_refuses_control_characters_in_every_text_field(app):
    from diaspora.forms import Form

    classes = all_form_classes()
    assert len(classes) > 20
    checked = 0
    for cls in classes:
        assert issubclass(cls, Form), f"{cls.__module__}.{cls.__name__} is not built on diaspora.forms.Form"
        with app.test_request_context("/", method="POST"):
            names = [name for name, field in cls(meta={"csrf": False})._fields.items()
                     if isinstance(field, StringField)]
            for i, name in enumerate(names):
                ch = CONTROLS[i % len(CONTROLS)]
                form = cls(formdata=MultiDict({name: f"Ош{ch}Бишкек"}), meta={"csrf": False})
                for field in form:
                    if getattr(field, "choices", "") is None:
                        field.choices = []
                assert not form.validate(), (cls.__name__, name)
                field = form[name]
                assert f"U+{ord(ch):04X}" in str(field.errors[0]), (cls.__name__, name, field.errors)
                assert field.data == "ОшБишкек"  # shown again without it: sending again works
                checked += 1
    assert checked > 60


def test_single_line_fields_refuse_tabs_and_line_breaks(app):
    """Names, titles and cities go into mail subjects, CSV and calendar lines: every single-line field refuses
    tab, CR and LF too (with the text shown again on one line); text areas keep them."""
    from wtforms import TextAreaField

    checked = 0
    for cls in all_form_classes():
        with app.test_request_context("/", method="POST"):
            fields = cls(meta={"csrf": False})._fields.items()
            names = [name for name, field in fields if isinstance(field, StringField)
                     and not isinstance(field, TextAreaField)]
            areas = [name for name, field in fields if isinstance(field, TextAreaField)]
            for i, name in enumerate(names):
                ch = "\t\n\r"[i % 3]
                form = cls(formdata=MultiDict({name: f"Ош{ch}Бишкек"}), meta={"csrf": False})
                for field in form:
                    if getattr(field, "choices", "") is None:
                        field.choices = []
                assert not form.validate(), (cls.__name__, name)
                assert f"U+{ord(ch):04X}" in str(form[name].errors[0]), (cls.__name__, name, form[name].errors)
                assert form[name].data == "Ош Бишкек"
                checked += 1
            for name in areas:
                form = cls(formdata=MultiDict({name: "Ош\r\n\tБишкек"}), meta={"csrf": False})
                form.validate()
                assert not any("U+" in str(e) for e in form[name].errors), (cls.__name__, name, form[name].errors)
    assert checked > 60


def test_a_line_break_in_a_name_is_refused_through_the_form(client, make_user, login, db_query):
    login(make_user())
    page = client.post("/organizations/new", data={**FORM, "name": "Кыргыз\nбиримдиги",
                                                   "description_ky": "Биринчи сап.\r\nЭкинчи сап."},
                       headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "U+000A" in html and "takes one line" in html
    assert 'value="Кыргыз биримдиги"' in html and html.count("U+") == 1  # the description's lines are fine
    assert db_query(lambda db: db.session.scalar(select(Organization))) is None


def test_single_line_fields_refuse_line_breaks_in_the_services(app, make_user):
    """The API, the CLI and the import reach the services without a form: the same rule there."""
    from diaspora.directory import edits, services
    from diaspora.directory.services import OrganizationData
    from diaspora.errors import ServiceError
    from diaspora.extensions import db

    owner = make_user(email="owner@example.org")
    site_admin = make_user(email="admin@example.org", is_admin=True)
    with app.test_request_context():
        owner, site_admin = db.session.merge(owner), db.session.merge(site_admin)
        data = OrganizationData(name="Ала-Тоо", country="KG", city="Ош", description={"ky": "Биринчи.\nЭкинчи."})
        org, _ = services.create_organization(data, status="published", user=owner)
        for field, value in (("name", "Ала-Тоо\nBcc: x@example.org"), ("city", "Ош\tБишкек"),
                             ("address", "Ленина 1\r")):
            bad = OrganizationData(**{**data.__dict__, field: value})
            with pytest.raises(ServiceError) as error:
                services.create_organization(bad)
            assert error.value.field == field
            for user in (owner, site_admin):  # waiting for moderation, or saved at once
                with pytest.raises(ServiceError) as error:
                    edits.save(user, org, bad)
                assert error.value.field == field
        with pytest.raises(ServiceError) as error:
            services.add_category(site_admin, "legal", {"ky": "Юридика\n", "ru": "Право", "en": "Law"})
        assert error.value.field == "name_ky"
        db.session.rollback()


def test_api_and_import_refuse_line_breaks_in_single_line_fields(client, runner, make_event, tmp_path, db_query):
    slug = make_event()
    response = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "full_name": "Айгүл\nX"})
    assert response.status_code == 422 and "U+000A" in response.get_json()["error"]["fields"]["full_name"]
    response = client.post("/api/v1/help-requests", json={**REQUEST, "name": "Бакыт\tX"})
    assert response.status_code == 422 and "U+0009" in response.get_json()["error"]["fields"]["name"]
    response = client.post("/api/v1/help-requests", json={**REQUEST, "city": "Москва,\r\nX"})
    assert response.status_code == 422 and "city" in response.get_json()["error"]["fields"]
    assert db_query(lambda db: db.session.scalars(select(Registration)).all()) == []
    assert db_query(lambda db: db.session.scalars(select(HelpRequest)).all()) == []
    path = tmp_path / "orgs.csv"
    path.write_text('name,country,city,address,latitude,longitude,categories,languages,email,phone,website,'
                    'description\nGood,KG,Ош,,,,,,,,,"Биринчи.\nЭкинчи."\n"Bad\nName",KG,Ош,,,,,,,,,\n',
                    encoding="utf-8")
    result = runner.invoke(args=["import-organizations", str(path)])
    # Good takes lines 2-3
    assert "line 4: name: Must be one line: contains a tab or a line break (U+000A)." in result.output
    names = db_query(lambda db: db.session.scalars(select(Organization.name)).all())
    assert names == ["Good"]


def test_multi_line_text_keeps_its_line_breaks(app):
    from diaspora.assistance.forms import MessageForm

    with app.test_request_context("/", method="POST"):
        form = MessageForm(formdata=MultiDict({"body": "Саламатсызбы!\r\n\tЖардам керек.\u2028Рахмат"}),
                           meta={"csrf": False})
        assert form.validate(), form.errors


def test_association_form_says_which_field_and_keeps_the_text(client, make_user, login, db_query):
    login(make_user())
    page = client.post("/organizations/new", data={**FORM, "name": "Кыргыз\x1b биримдиги",
                                                   "description_ky": "Жардам\x07 беребиз"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("U+001B") == 1 and html.count("U+0007") == 1
    assert 'value="Кыргыз биримдиги"' in html and "Жардам беребиз" in html
    assert db_query(lambda db: db.session.scalar(select(Organization))) is None


def test_sign_up_refuses_a_control_character_in_the_name(client, db_query):
    page = client.post("/auth/signup", data={"name": "Айгүл\x1b[31m", "email": "a@example.org"})
    assert page.status_code == 200 and "U+001B" in page.get_data(as_text=True)
    assert db_query(lambda db: db.session.scalars(select(User)).all()) == []


def test_api_names_the_field(client, make_event, db_query):
    slug = make_event()
    response = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "full_name": "Айгүл\x1b"})
    assert response.status_code == 422
    assert "U+001B" in response.get_json()["error"]["fields"]["full_name"]
    response = client.post("/api/v1/help-requests", json={**REQUEST, "description": "Жардам\x85 керек"})
    assert response.status_code == 422
    assert "U+0085" in response.get_json()["error"]["fields"]["description"]
    response = client.post("/api/v1/help-requests", json={**REQUEST, "name": "Бакыт\x07"})
    assert "U+0007" in response.get_json()["error"]["fields"]["name"]
    assert db_query(lambda db: db.session.scalars(select(Registration)).all()) == []
    assert db_query(lambda db: db.session.scalars(select(HelpRequest)).all()) == []
    # line breaks in the story are text, not control characters
    ok = client.post("/api/v1/help-requests", json={**REQUEST, "description": "Биринчи.\nЭкинчи.\r\n\tҮчүнчү."})
    assert ok.status_code == 201, ok.get_json()


def test_cli_refuses_them(runner, tmp_path, db_query):
    result = runner.invoke(args=["create-event", "--title", "Курултай\x1b", "--starts", "2030-05-01T09:00",
                                 "--ends", "2030-05-01T18:00", "--capacity", "10"])
    assert result.exit_code != 0 and "U+001B" in result.output
    path = tmp_path / "orgs.csv"
    path.write_text("name,country,city,address,latitude,longitude,categories,languages,email,phone,website,"
                    "description\nGood,KG,Ош,,,,,,,,,\nBad,KG,Ош\x07,,,,,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-organizations", str(path)])
    assert "line 3: city: Contains an invisible control character (U+0007)" in result.output
    assert len(db_query(lambda db: db.session.scalars(select(Organization)).all())) == 1


def test_create_user_service_refuses_them(app):
    from diaspora.auth.services import create_user
    from diaspora.errors import ServiceError

    with app.app_context(), pytest.raises(ServiceError) as error:
        create_user("a@example.org", "long enough pw", name="Бакыт\x9b")
    assert error.value.field == "name" and "U+009B" in error.value.message


# --- URL paths ------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _paths(app, bad: str) -> list[tuple[str, list[str]]]:
    """Every rule with a string or path value, that value replaced by `bad` (ids by 1)."""
    found = []
    for rule in app.url_map.iter_rules():
        kinds = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if not any(kind in ("TextConverter", "SafePathConverter", "UnicodeConverter", "PathConverter")
                   for kind in kinds.values()):
            continue

        def value(match):
            converter, args, _name = match.groups()
            if converter == "id" or converter == "int":
                return "1"
            if converter == "any":
                return args.split(",")[0].strip().strip("'\"")
            return bad

        found.append((_PARAM.sub(value, rule.rule), sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return found


@pytest.mark.parametrize("bad", ["%00x", "x%00", "%1Bx", "%7F", "%C2%85x"])
def test_control_characters_in_paths_are_not_found(app, client, make_user, make_event, login, bad):
    make_event(title="Курултай")
    paths = _paths(app, bad)
    assert len(paths) >= 30  # tokens, slugs, languages, static files, the API
    for who in ("anonymous", "site admin"):
        if who == "site admin":
            login(make_user(is_admin=True))
        for path, methods in paths:
            for method in methods:
                response = client.open(path, method=method)
                assert response.status_code == 404, (who, method, path, response.status_code)
