"""Finding 4 of the security review: a `[` or `]` in a web address answered 500 in the association form
and stopped `flask import-organizations` with a traceback. One validator (diaspora.weburl) now serves the
forms, the services and the import."""
import pytest
from sqlalchemy import select

from diaspora.models import Event, Organization
from tests.test_cli import HEADER, count, write
from tests.test_directory import FORM

BAD_ADDRESSES = ["example.org]", "https://[example.org/", "http://exa[mple].org", "https://example.org:99999/",
                 "https://example.org:port/", "https://bank.example@evil.example/", "javascript:alert(1)",
                 "https://exa mple.org", "ftp://example.org", "https://localhost/", "https://-x-.org/"]


@pytest.mark.parametrize("value", BAD_ADDRESSES)
def test_the_validator_refuses_with_a_message_never_a_crash(app, value):
    from diaspora.weburl import InvalidURL, clean_web_url

    with app.test_request_context():
        with pytest.raises(InvalidURL):
            clean_web_url(value)
        assert clean_web_url("  кыргыз.kg/a[1]?x=1 ") == "https://кыргыз.kg/a[1]?x=1"
        assert clean_web_url("") is None


@pytest.mark.parametrize("field, value", [("website", "example.org]"), ("website", "https://[::1/"),
                                          ("facebook", "facebook.com]/club"), ("telegram", "https://[t.me]/club")])
def test_the_association_form_names_the_field_in_the_readers_language(client, make_user, login, db_query,
                                                                      field, value):
    login(make_user())
    client.get("/lang/ru")
    response = client.post("/organizations/new", data={**FORM, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    assert "Укажите" in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]  # the Russian message
    assert 'value="Екатеринбург"' in page and FORM["description_ky"] in page  # nothing typed is lost
    assert count(db_query) == 0


def test_editing_keeps_the_bad_address_typed_and_changes_nothing(client, make_user, make_org, login, db_query):
    owner = make_user()
    org_id = make_org(owner=owner, status="pending", website="https://example.org")
    login(owner)
    response = client.post(f"/organizations/{org_id}/edit", data={**FORM, "website": "example.org]"},
                           headers={"Accept-Language": "ky"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="website-error"' in page and 'value="example.org]"' in page
    assert "Сайттын дарегин жазыңыз" in page
    assert db_query(lambda db: db.session.get(Organization, org_id).website) == "https://example.org"


def test_a_page_with_an_odd_address_stored_still_opens(client, make_org, db_query):
    org_id = make_org(website="https://example.org")
    db_query(lambda db: (db.session.get(Organization, org_id).__setattr__("website", "https://example.org]"),
                         db.session.commit()))
    assert client.get(f"/organizations/{org_id}").status_code == 200


def test_an_event_online_link_goes_through_the_same_check(client, make_user, login, db_query, app):
    login(make_user(is_admin=True))
    data = {"title_ky": "Онлайн жолугушуу", "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00",
            "ends_at": "2027-06-15T11:00", "online_url": "meet.example.org]/forum"}
    page = client.post("/events/new", data=data, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'id="online_url-error"' in page and "Укажите адрес сайта" in page
    assert 'value="meet.example.org]/forum"' in page
    assert client.post("/events/new", data={**data, "online_url": "meet.example.org/forum"}).status_code == 302
    assert db_query(lambda db: db.session.scalar(select(Event.online_url))) == "https://meet.example.org/forum"

    # the service checks too, so another caller (the API, a command) cannot store what the form refuses
    from diaspora.errors import ServiceError
    from diaspora.events import services
    from diaspora.extensions import db
    from diaspora.models import User

    with app.test_request_context():
        admin = db.session.scalar(select(User))
        event = db.session.scalar(select(Event))
        data = services.EventData(titles={"ky": "X"}, starts_at=event.starts_at, ends_at=event.ends_at,
                                  online_url="https://[bad")
        with pytest.raises(ServiceError) as raised:
            services.update_event(admin, event, data)
        assert raised.value.field == "online_url"


def test_import_reports_each_bad_row_and_imports_the_valid_ones(runner, tmp_path, db_query):
    path = write(tmp_path, (
        "Good one,KG,Бишкек,,,,,,,,example.org,\n"                     # line 2
        "Bracket,KG,Бишкек,,,,,,,,example.org],\n"                     # line 3
        "Open bracket,KG,Ош,,,,,,,,https://[example.org,\n"            # line 4
        "Bad port,KG,Ош,,,,,,,,https://example.org:99999,\n"           # line 5
        "Bad phone,KG,Ош,,,,,,,abc,,\n"                                # line 6
        "Good two,RU,Москва,,,,,,,,https://example.org/a[1],\n"        # line 7
    ))
    result = runner.invoke(args=["import-organizations", path])
    out = result.output
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1  # exit status 1, no traceback
    assert "Traceback" not in out
    assert "line 3: website: Give the address of a website" in out
    assert "line 4: website: " in out and "line 5: website: " in out
    assert "line 6: phone: " in out
    assert "Created 2, updated 0, unchanged 0, rejected 4." in out
    assert count(db_query) == 2
    names = db_query(lambda db: sorted(db.session.scalars(select(Organization.name))))
    assert names == ["Good one", "Good two"]


def test_import_report_lists_line_field_and_message(app):
    import io

    from diaspora.directory.transfer import import_csv

    with app.app_context():
        report = import_csv(io.StringIO(HEADER + "X,KG,Ош,,,,,,,,example.org],\nY,KG,Ош,,,,,,,,,\n"))
    assert report.created == 1
    assert report.errors == [(2, "website", "Give the address of a website, e.g. https://example.org.")]
