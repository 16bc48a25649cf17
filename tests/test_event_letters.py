"""Invitation letters and travel information through HTTP: the organizers' page, a confirmed participant's letter
in Russian and English (its text read back from the PDF), no letter for anyone else, nothing typed kept, hostile
texts, and the travel information rendered safely."""
import re

import pytest
from sqlalchemy import select, update

from diaspora.models import Event, EventTeamMember, Registration
from tests.conftest import REGISTRANT
from tests.pdf_text import pdf_text

LETTERS = {
    "offered": "y",
    "organization_name_ru": "Ассоциация «Мекендеш-Өмүр»", "organization_name_en": "Mekendesh-Omur Association",
    "organization_address_ru": "Бишкек, ул. Үмөт 1", "organization_address_en": "1 Umot St, Bishkek",
    "organization_contacts_ru": "+996 000 000 001 · info@example.org", "organization_contacts_en": "info@example.org",
    "signatory_name_ru": "Ңурбек Үсөнов", "signatory_name_en": "Nurbek Usonov",
    "signatory_title_ru": "Председатель оргкомитета", "signatory_title_en": "Chair of the organizing committee",
    "extra_paragraph_ru": "Расходы на проезд участник несёт сам.", "extra_paragraph_en": "Travel costs are the "
    "participant's own.",
    "travel_directions_ky": "Аэропорттон **121-маршрут** менен.", "travel_directions_ru": "Из аэропорта — "
    "**маршрут 121**.", "travel_directions_en": "From the airport: **bus 121**.",
    "travel_hotels_ru": "- Гостиница «Ала-Тоо»\n- Хостел «Ош»", "travel_transfer_en": "Call [us](tel:+996000000001).",
}
DETAILS = {"language": "ru", "name_latin": "Aibek Asanov", "passport_number": "ac 1234567",
           "birth_date": "1990-05-31", "citizenship": "KG"}

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def admin(make_user):
    return make_user(is_admin=True)


def save_letters(client, slug, **changes):
    return client.post(f"/events/{slug}/manage/letters", data={**LETTERS, **changes})


def register(client, db_query, slug, **fields):
    body = {**REGISTRANT, **fields}
    response = client.post(f"/api/v1/events/{slug}/registrations", json=body)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return db_query(lambda db: db.session.scalar(select(Registration.token).where(
        Registration.email == body["email"])))


@pytest.fixture
def forum(client, make_event, admin, login, db_query):
    """A forum with letters and travel information set by a site admin, and a confirmed participant's token."""
    slug = make_event(title="Мекендештер форуму", title_ru="Форум «Мекендештер»", title_en="Mekendeshter Forum",
                      venue_name={"ky": "Ала-Тоо зал", "ru": "Зал «Ала-Тоо»", "en": "Ala-Too Hall"})
    login(admin)
    assert save_letters(client, slug).status_code == 302
    client.post("/auth/logout")
    return {"slug": slug, "token": register(client, db_query, slug)}


def test_the_organizer_sets_letters_and_travel(client, make_event, admin, login):
    slug = make_event()
    login(admin)
    page = client.get(f"/events/{slug}/manage/letters").get_data(as_text=True)
    assert f'href="/events/{slug}/manage/letters"' in page and 'name="organization_name_ru"' in page
    assert 'name="travel_hotels_ky"' in page
    # offering letters without a letterhead or a signatory: errors, and everything typed is still there
    response = save_letters(client, slug, organization_name_ru="", organization_name_en="", signatory_name_ru="",
                            signatory_name_en="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count('class="error"') == 2
    assert "Бишкек, ул. Үмөт 1" in page and "Гостиница «Ала-Тоо»" in page and "Chair of the organizing" in page
    assert save_letters(client, slug).status_code == 302
    page = client.get(f"/events/{slug}/manage/letters").get_data(as_text=True)
    assert "Ңурбек Үсөнов" in page and "Mekendesh-Omur Association" in page and "маршрут 121" in page
    assert 'name="offered" type="checkbox" value="y" checked' in page or "checked" in page


def test_the_letters_page_is_for_organizers(client, make_event, make_user, login):
    slug = make_event()
    login(make_user())
    assert client.get(f"/events/{slug}/manage/letters").status_code == 403
    assert client.post(f"/events/{slug}/manage/letters", data=LETTERS).status_code == 403


def test_a_confirmed_participant_downloads_letters_in_russian_and_english(client, forum):
    token = forum["token"]
    private = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'href="/r/{token}/letter"' in private
    form = client.get(f"/r/{token}/letter")
    assert form.status_code == 200 and 'id="not-stored"' in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"

    response = client.post(f"/r/{token}/letter", data=DETAILS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "AIBEK ASANOV" in text and "AC 1234567" in text
    assert "Форум «Мекендештер»" in text and "Зал «Ала-Тоо»" in text
    assert "Ңурбек Үсөнов" in text and "Председатель оргкомитета" in text  # Kyrgyz letters drawn, not dropped
    assert "Ассоциация «Мекендеш-Өмүр»" in text and "Расходы на проезд" in text
    assert "31 мая 1990" in text and "Кыргызстан" in text

    text = pdf_text(client.post(f"/r/{token}/letter", data={**DETAILS, "language": "en"}).data)
    assert "AIBEK ASANOV" in text and "Mekendeshter Forum" in text and "Nurbek Usonov" in text
    assert "May 31, 1990" in text and "Kyrgyzstan" in text and "Ala-Too Hall" in text


def test_a_text_missing_in_english_falls_back(client, forum, admin, login):
    login(admin)
    save_letters(client, forum["slug"], signatory_name_en="", signatory_title_en="")
    client.post("/auth/logout")
    text = pdf_text(client.post(f"/r/{forum['token']}/letter", data={**DETAILS, "language": "en"}).data)
    assert "Ңурбек Үсөнов" in text and "Mekendesh-Omur Association" in text


def test_the_letter_form_keeps_what_was_typed_and_answers_in_the_readers_language(client, forum):
    russian = {"Accept-Language": "ru"}
    response = client.post(f"/r/{forum['token']}/letter", headers=russian,
                           data={**DETAILS, "name_latin": "Айбек <b>Асанов</b>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Айбек &lt;b&gt;Асанов&lt;/b&gt;" in page and "<b>Асанов" not in page
    assert 'value="ac 1234567"' in page and "латинскими буквами" in page
    page = client.post(f"/r/{forum['token']}/letter", headers=russian,
                       data={**DETAILS, "birth_date": "31.05.1990", "citizenship": "XX"}).get_data(as_text=True)
    assert "Выберите из списка" in page and "дату рождения" in page and 'value="Aibek Asanov"' in page


@pytest.mark.parametrize("status", ["pending", "waitlisted", "cancelled", "rejected"])
def test_no_letter_unless_confirmed(client, forum, db_query, status):
    token = forum["token"]

    def set_status(db):
        values = {"status": status, "waitlist_seq": 1 if status == "waitlisted" else None}
        db.session.execute(update(Registration).where(Registration.token == token).values(**values))
        db.session.commit()

    db_query(set_status)
    assert f"/r/{token}/letter" not in client.get(f"/r/{token}").get_data(as_text=True)
    for response in (client.get(f"/r/{token}/letter", headers=ENGLISH),
                     client.post(f"/r/{token}/letter", data=DETAILS, headers=ENGLISH)):
        assert response.status_code == 403 and response.mimetype == "text/html"
        assert "confirmed participants" in response.get_data(as_text=True)


def test_no_letter_for_a_cancelled_event_or_when_not_offered(client, forum, db_query, admin, login):
    token, slug = forum["token"], forum["slug"]
    login(admin)
    save_letters(client, slug, offered="")
    client.post("/auth/logout")
    assert f"/r/{token}/letter" not in client.get(f"/r/{token}").get_data(as_text=True)
    response = client.post(f"/r/{token}/letter", data=DETAILS, headers=ENGLISH)
    assert response.status_code == 404 and "do not issue invitation letters" in response.get_data(as_text=True)

    login(admin)
    save_letters(client, slug)
    client.post("/auth/logout")

    def cancel(db):
        db.session.execute(update(Event).where(Event.slug == slug).values(status="cancelled"))
        db.session.commit()

    db_query(cancel)
    assert f"/r/{token}/letter" not in client.get(f"/r/{token}").get_data(as_text=True)
    response = client.post(f"/r/{token}/letter", data=DETAILS, headers=ENGLISH)
    assert response.status_code == 403 and "cancelled" in response.get_data(as_text=True)
    assert client.get("/r/nonexistent-token/letter").status_code == 404


def test_nothing_typed_into_the_letter_form_is_stored(client, forum, db_query):
    secret = "ZQ7788991"
    assert client.post(f"/r/{forum['token']}/letter",
                       data={**DETAILS, "passport_number": secret, "name_latin": "Xylophona Quest"}).status_code == 200

    def every_row(db):
        return " ".join(str(row) for table in db.metadata.sorted_tables
                        for row in db.session.execute(table.select()).all())

    rows = db_query(every_row)
    assert "Ңурбек" in rows  # the scan reads the letters' settings
    assert secret not in rows and "XYLOPHONA" not in rows.upper() and "1990-05-31" not in rows


def test_hostile_texts_do_not_break_the_letter(client, make_event, admin, login, db_query):
    hostile = "<b>Бирлик & </para> «Үй»"
    slug = make_event(title=hostile, title_ru=hostile, title_en=hostile, venue_name="</para><para>")
    login(admin)
    assert save_letters(client, slug, organization_name_ru=hostile, signatory_name_ru="A & B </para>",
                        signatory_title_ru="<font size=99>x", extra_paragraph_ru="</para>\n<b>&amp;").status_code == 302
    client.post("/auth/logout")
    token = register(client, db_query, slug)
    response = client.post(f"/r/{token}/letter", data=DETAILS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert hostile in text and "A & B </para>" in text and "<font size=99>x" in text and "<b>&amp;" in text
    # a hostile name typed into the form is refused with a message, not a broken PDF
    response = client.post(f"/r/{token}/letter", data={**DETAILS, "name_latin": "A </para> & <b>"})
    assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)


def test_travel_information_is_shown_safely(client, forum, admin, login):
    slug, token = forum["slug"], forum["token"]
    login(admin)
    save_letters(client, slug, travel_directions_ru="**Автобус** <script>alert(1)</script> "
                 "[x](javascript:alert(2)) <img src=x onerror=alert(3)>")
    client.post("/auth/logout")
    page = client.get(f"/events/{slug}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'id="getting-there"' in page and "<strong>Автобус</strong>" in page
    assert "Гостиница «Ала-Тоо»" in page and 'href="tel:+996000000001"' in page
    assert "<script>alert" not in page and "alert(1)" not in page and 'href="javascript' not in page
    assert "onerror" not in page and "<img" not in page
    private = client.get(f"/r/{token}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'id="getting-there"' in private and "<strong>Автобус</strong>" in private
    assert "<script>alert" not in private
    english = client.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<strong>bus 121</strong>" in english


def test_no_travel_section_without_travel_information(client, make_event):
    slug = make_event()
    assert 'id="getting-there"' not in client.get(f"/events/{slug}").get_data(as_text=True)


def test_the_demo_forum_has_a_team_letters_and_travel(runner, client, db_query):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    printed = dict(re.findall(r"Demo forum team, (\w+): \S+ password (\S+)", result.output))
    assert set(printed) == {"registrations", "checkin", "reviewer"}
    roles = db_query(lambda db: {member.role: member.email for member in db.session.scalars(select(EventTeamMember))})
    assert roles == {"registrations": "demo-registrations@example.org", "checkin": "demo-checkin@example.org",
                     "reviewer": "demo-reviewer@example.org"}
    slug = db_query(lambda db: db.session.scalar(select(Event.slug).join(
        EventTeamMember, EventTeamMember.event_id == Event.id)))
    page = client.get(f"/events/{slug}", headers=ENGLISH).get_data(as_text=True)
    assert 'id="getting-there"' in page and "<strong>minibus 380</strong>" in page
    # the door volunteer logs in with the printed password and reaches the door, not the registrations
    assert client.post("/auth/login", data={"email": "demo-checkin@example.org",
                                            "password": printed["checkin"]}).status_code == 302
    assert client.get(f"/events/{slug}/manage/checkin").status_code == 200
    assert client.get(f"/events/{slug}/manage/registrations").status_code == 403
    client.post("/auth/logout")
    token = register(client, db_query, slug)
    text = pdf_text(client.post(f"/r/{token}/letter", data={**DETAILS, "language": "en"}).data)
    assert "Asan Usonov (demo)" in text and "not valid for a visa" in text


@pytest.fixture
def csrf_on(app_config):
    app_config.update(WTF_CSRF_ENABLED=True)


def test_the_letter_form_needs_its_csrf_token(csrf_on, client, make_event, db_query):
    slug = make_event()

    def offer(db):  # the organizers' page is tested above; here only the participant's form matters
        from diaspora.models import EventLetters

        event = db.session.scalar(select(Event).where(Event.slug == slug))
        db.session.add(EventLetters(event_id=event.id, offered=True, organization_name={"ru": "Өмүр"},
                                    signatory_name={"ru": "Үсөн"}))
        db.session.commit()

    db_query(offer)
    token = register(client, db_query, slug, full_name="Aibek Asanov")
    assert client.post(f"/r/{token}/letter", data=DETAILS).status_code == 400
    page = client.get(f"/r/{token}/letter").get_data(as_text=True)
    assert 'value="AIBEK ASANOV"' in page  # a Latin name registered is offered as a start
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/r/{token}/letter", data={**DETAILS, "csrf_token": csrf})
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_delegation_head_downloads_the_letter_of_a_member_without_an_email(client, forum, make_event, db_query):
    """A member registered by their head, with no address of their own, has no private page: the head's page
    offers the letter of each confirmed member, and of nobody else, nor of another delegation's members."""
    from tests.test_event_delegations import delegation_body, head_page_path, member, post_delegation

    slug = forum["slug"]
    event_id = db_query(lambda db: db.session.scalar(select(Event.id).where(Event.slug == slug)))
    db_query(lambda db: (db.session.execute(update(Event).where(Event.id == event_id).values(capacity=2)),
                         db.session.commit()))  # one place left after the forum's participant
    answer = post_delegation(client, slug, delegation_body([member(0, email=None), member(1, email=None)]))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert [m["status"] for m in answer.get_json()["members"]] == ["confirmed", "waitlisted"]
    page_path = head_page_path(answer.get_json())
    first, second = db_query(lambda db: db.session.scalars(select(Registration.id).where(
        Registration.delegation_id.is_not(None)).order_by(Registration.id)).all())
    page = client.get(page_path, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert f'href="{page_path}/members/{first}/letter"' in page
    assert f"/members/{second}/letter" not in page  # waitlisted: no letter yet

    form = client.get(f"{page_path}/members/{first}/letter", headers={"Accept-Language": "ru"})
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert f'href="{page_path}"' in form.get_data(as_text=True)  # back to the delegation, not a private page
    assert "Айбек Ташиев" in form.get_data(as_text=True) and "приглашением участника" in form.get_data(as_text=True)
    response = client.post(f"{page_path}/members/{first}/letter",
                           data={**DETAILS, "name_latin": "Aibek Tashiev"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "AIBEK TASHIEV" in text and "Форум «Мекендештер»" in text and "Ңурбек Үсөнов" in text

    assert client.get(f"{page_path}/members/{second}/letter").status_code == 403
    forum_participant = db_query(lambda db: db.session.scalar(select(Registration.id).where(
        Registration.delegation_id.is_(None))))
    assert client.get(f"{page_path}/members/{forum_participant}/letter").status_code == 404
    assert client.get(f"/d/{'x' * 40}/members/{first}/letter").status_code == 404
