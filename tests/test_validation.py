"""One set of rules for text (diaspora.validation), whichever way it comes in: the same input meets the same
rule through a form (an association's city), the API (a registration's city) and the CSV import (an
association's city): control characters and line breaks refused, naming the character; the same length limit,
counted after Unicode NFC; text stored in NFC."""
import html
import unicodedata

import pytest
from sqlalchemy import select

from diaspora.models import Organization, Registration
from tests.conftest import REGISTRANT
from tests.test_directory import FORM

HEADER = "name,country,city,address,latitude,longitude,categories,languages,email,phone,website,description\n"
# "й" written as и + a combining breve (NFD), as some keyboards and pastes send it
DECOMPOSED = unicodedata.normalize("NFD", "Кайыңды")
assert DECOMPOSED != "Кайыңды"


def through_the_form(client, make_user, login, city: str, language: str = "en") -> tuple[bool, str]:
    login(make_user())
    page = client.post("/organizations/new", data={**FORM, "city": city}, headers={"Accept-Language": language})
    return page.status_code == 302, html.unescape(page.get_data(as_text=True))


def through_the_api(client, make_event, city: str) -> tuple[bool, str]:
    slug = make_event()
    answer = client.post(f"/api/v1/events/{slug}/registrations", json={**REGISTRANT, "city": city})
    if answer.status_code == 201:
        return True, ""
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["field"] == "city"
    return False, answer.get_json()["error"]["fields"]["city"]


def through_the_import(runner, tmp_path, city: str) -> tuple[bool, str]:
    path = tmp_path / "orgs.csv"
    path.write_text(HEADER + f'Ала-Тоо,KG,"{city}",,,,,,,,,\n', encoding="utf-8")
    result = runner.invoke(args=["import-organizations", str(path)])
    return result.exit_code == 0, result.output


@pytest.fixture
def channels(client, runner, tmp_path, make_user, make_event, login):
    return {
        "form": lambda city: through_the_form(client, make_user, login, city),
        "api": lambda city: through_the_api(client, make_event, city),
        "import": lambda city: through_the_import(runner, tmp_path, city),
    }


@pytest.mark.parametrize("channel", ["form", "api", "import"])
@pytest.mark.parametrize("city, named", [
    ("Ош\x1bБишкек", "U+001B"),  # ESC: an invisible control character
    ("Ош\x85", "U+0085"),  # a C1 code
    ("Ош\nБишкек", "U+000A"),  # a line break in a single-line field
    ("Ош\tБишкек", "U+0009"),
])
def test_a_control_character_is_refused_naming_it(channels, db_query, channel, city, named):
    accepted, said = channels[channel](city)
    assert not accepted and named in said
    assert db_query(lambda db: db.session.scalars(select(Organization.city)).all()) == []
    assert db_query(lambda db: db.session.scalars(select(Registration.city)).all()) == []


@pytest.mark.parametrize("channel", ["form", "api", "import"])
def test_the_same_length_limit_counted_in_nfc(channels, db_query, channel):
    # 120 letters are fine, even when each "й" arrives as two code points (240 in all); 121 are not
    accepted, said = channels[channel](unicodedata.normalize("NFD", "й" * 120))
    assert accepted, said
    stored = db_query(lambda db: db.session.scalars(select(Organization.city)).all()
                      + db.session.scalars(select(Registration.city)).all())
    assert stored == ["й" * 120]
    accepted, said = channels[channel]("Ош" + "ы" * 119)
    assert not accepted and "At most 120 characters." in said


@pytest.mark.parametrize("channel", ["form", "api", "import"])
def test_text_is_stored_in_nfc(channels, db_query, channel):
    accepted, said = channels[channel](DECOMPOSED)
    assert accepted, said
    stored = db_query(lambda db: db.session.scalars(select(Organization.city)).all()
                      + db.session.scalars(select(Registration.city)).all())
    assert stored == ["Кайыңды"]


@pytest.mark.parametrize("language, message", [("ru", "Не больше 120 символов."),
                                               ("ky", "120 белгиден ашпашы керек.")])
def test_the_form_says_it_in_the_reader_language_and_keeps_the_text(client, make_user, login, language, message):
    accepted, page = through_the_form(client, make_user, login, "Ош" + "ы" * 119, language)
    assert not accepted and message in page
    assert 'value="Ош' + "ы" * 119 + '"' in page
