"""The programme through HTTP: editing sessions, speakers and their photos, the programme by day,
parallel sessions, a waitlist per session and check-in at a session's door."""
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from diaspora.models import Event, EventSession, Registration
from tests.test_events import api_register, form, outbox, regs_of

EN = {"Accept-Language": "en"}


def token_of(body):
    return body["manage_url"].rsplit("/", 1)[1]


@pytest.fixture
def admin(make_user, login):
    user = make_user(is_admin=True)
    login(user)
    return user


def sessions_of(db_query, slug):
    def read(db):
        db.session.expire_all()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        return [(s.id, s.starts_at.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)) for s in event.sessions]
    return db_query(read)


def edit_data(starts, ends, **fields):
    data = {"title_ky": "Бизнес", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M")}
    data.update(fields)
    return data


def edit(client, slug, session_id, starts, ends, **fields):
    return client.post(f"/events/{slug}/manage/programme/{session_id}/edit", data=edit_data(starts, ends, **fields),
                       headers=EN)


def image(fmt="PNG", size=(1200, 900), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


# --- editing ----------------------------------------------------------------------------------------

def test_editing_a_session_every_field_and_nothing_lost_on_an_error(client, make_event, admin, db_query):
    slug = make_event(sessions=[{"title": "Бизнес", "capacity": 10}])
    ((session_id, starts),) = sessions_of(db_query, slug)
    page = client.get(f"/events/{slug}/manage/programme/{session_id}/edit", headers=EN).get_data(as_text=True)
    assert 'value="Бизнес"' in page and 'value="10"' in page
    wrong = edit(client, slug, session_id, starts, starts - timedelta(hours=1), title_ru="Бизнес-сессия",
                 description_ru="Инвестиции в регионах", room_ky="Зал 1", capacity="12")
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "cannot end before it starts" in text
    assert "Бизнес-сессия" in text and "Инвестиции в регионах" in text and 'value="12"' in text  # as typed
    saved = edit(client, slug, session_id, starts, starts + timedelta(hours=2), title_ru="Бизнес-сессия",
                 description_ru="Инвестиции в регионах", room_ky="Зал 1", capacity="12", checkin_required="y")
    assert saved.status_code == 302
    shown = client.get(f"/events/{slug}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Бизнес-сессия" in shown and "Инвестиции в регионах" in shown and "Зал 1" in shown
    programme = client.get(f"/events/{slug}/manage/programme", headers=EN).get_data(as_text=True)
    assert "Check-in at the door" in programme and "12 places left" in programme


def test_a_bad_session_edit_is_a_form_error_and_another_events_session_is_not_found(client, make_event, admin,
                                                                                     db_query):
    slug = make_event(sessions=[{"title": "Бизнес"}])
    other = make_event(title="Башка", sessions=[{"title": "Маданият"}])
    ((session_id, starts),) = sessions_of(db_query, slug)
    empty_title = edit(client, slug, session_id, starts, starts + timedelta(hours=1), title_ky="", capacity="-3")
    text = empty_title.get_data(as_text=True)
    assert empty_title.status_code == 200 and 'id="capacity-error"' in text
    ((other_id, _),) = sessions_of(db_query, other)
    assert client.get(f"/events/{slug}/manage/programme/{other_id}/edit").status_code == 404


# --- speakers -----------------------------------------------------------------------------------------

def test_speakers_with_and_without_a_photo_shown_under_their_sessions(client, make_event, admin, db_query):
    slug = make_event(sessions=[{"title": "Бизнес"}])
    ((session_id, starts),) = sessions_of(db_query, slug)
    base = f"/events/{slug}/manage/programme/speakers"
    assert client.post(base, data={"name": "Асель Бакирова", "role_ky": "Модератор",
                                   "organisation_ru": "Фонд развития"}).status_code == 302
    assert client.post(base, data={"name": "Нурлан Исаев", "photo": (io.BytesIO(image()), "me.png")},
                       content_type="multipart/form-data").status_code == 302
    bad = client.post(base, data={"name": "Бирөө", "photo": (io.BytesIO(b"not a picture"), "me.jpg")},
                      content_type="multipart/form-data", headers=EN)
    assert bad.status_code == 422 and "JPEG or PNG" in bad.get_data(as_text=True)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert client.post(base, data={"name": "Бирөө", "photo": (io.BytesIO(gif.getvalue()), "me.gif")},
                       content_type="multipart/form-data").status_code == 422
    page = client.get(f"/events/{slug}/manage/programme").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"/speakers/(\d+)/edit", page)]
    assert len(ids) == 2 and "Бирөө" not in page
    aselle, nurlan = sorted(ids)
    # the session's speakers, Nurlan first; a number that is none keeps what was typed
    wrong = edit(client, slug, session_id, starts, starts + timedelta(hours=1), **{f"speaker_{nurlan}": "x"})
    assert 'id="speakers-error"' in wrong.get_data(as_text=True) and wrong.status_code == 200
    edit(client, slug, session_id, starts, starts + timedelta(hours=1),
         **{f"speaker_{nurlan}": "1", f"speaker_{aselle}": "2"})
    shown = client.get(f"/events/{slug}").get_data(as_text=True)
    programme = shown.split('id="programme"', 1)[1]
    assert programme.index("Нурлан Исаев") < programme.index("Асель Бакирова") and "Модератор" in programme
    edit(client, slug, session_id, starts, starts + timedelta(hours=1),
         **{f"speaker_{nurlan}": "3", f"speaker_{aselle}": "1"})
    reordered = client.get(f"/events/{slug}").get_data(as_text=True).split('id="programme"', 1)[1]
    assert reordered.index("Асель Бакирова") < reordered.index("Нурлан Исаев")
    form_page = client.get(f"/events/{slug}/manage/programme/{session_id}/edit").get_data(as_text=True)
    assert f'name="speaker_{aselle}" value="1"' in form_page and f'name="speaker_{nurlan}" value="2"' in form_page
    photo_url = re.search(rf'src="(/events/[^"]+/speakers/{nurlan}/photo\?v=\d+)"', shown).group(1)
    assert f"/speakers/{aselle}/photo" not in shown  # no photo, no image
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.headers["Content-Type"] in ("image/jpeg", "image/png")
    # cached a day at most, not a year: a photo removed must not stay in shared caches
    assert photo.headers["Cache-Control"] == "public, max-age=86400"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert max(Image.open(io.BytesIO(photo.data)).size) <= 400
    again = client.get(photo_url, headers={"If-None-Match": photo.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/events/{slug}/speakers/{aselle}/photo").status_code == 404
    # removing the photo, then the speaker
    client.post(f"{base}/{nurlan}/edit", data={"name": "Нурлан Исаев", "remove_photo": "y"})
    assert client.get(f"/events/{slug}/speakers/{nurlan}/photo").status_code == 404
    client.post(f"{base}/{aselle}/delete")
    assert "Асель Бакирова" not in client.get(f"/events/{slug}").get_data(as_text=True)


def test_a_large_phone_photo_is_taken_and_made_small(client, make_event, admin, db_query):
    slug = make_event()
    noise = Image.effect_noise((2000, 1600), 80).convert("RGB")  # a photo that does not compress to nothing
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 1024 * 1024  # larger than the site's limit for forms
    # encoded here, in memory: the test client would spool a large body to a file it never closes
    boundary, body = encode_multipart({"name": "Айбек", "photo": FileStorage(
        io.BytesIO(out.getvalue()), filename="phone.jpg", content_type="image/jpeg")})
    response = client.post(f"/events/{slug}/manage/programme/speakers", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    page = client.get(f"/events/{slug}/manage/programme").get_data(as_text=True)
    url = re.search(r'src="(/events/[^"]+/photo\?v=\d+)"', page).group(1)
    assert max(Image.open(io.BytesIO(client.get(url).data)).size) == 400


def test_a_phones_mpo_jpeg_is_taken(client, make_event, admin):
    slug = make_event()
    out = io.BytesIO()  # what many phones write: a JPEG with a second frame, "MPO" to Pillow
    Image.new("RGB", (800, 600), (30, 120, 200)).save(
        out, "MPO", save_all=True, append_images=[Image.new("RGB", (800, 600), (0, 0, 0))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    response = client.post(f"/events/{slug}/manage/programme/speakers", data={
        "name": "Айбек", "photo": (io.BytesIO(out.getvalue()), "phone.jpg", "image/jpeg")})
    assert response.status_code == 302
    page = client.get(f"/events/{slug}/manage/programme").get_data(as_text=True)
    url = re.search(r'src="(/events/[^"]+/photo\?v=\d+)"', page).group(1)
    photo = Image.open(io.BytesIO(client.get(url).data))
    assert photo.format == "JPEG" and photo.size == (400, 300)
    assert photo.getpixel((10, 10))[2] > 150  # the first frame, the photo itself


# --- by day, parallel sessions ----------------------------------------------------------------------

def test_the_programme_is_grouped_by_day_in_the_events_time_zone(client, make_event, admin, db_query):
    slug = make_event(sessions=[{"title": "Ачылыш"}, {"title": "Экинчи күн"}])
    (_first, starts), (second, _) = sessions_of(db_query, slug)
    next_day = starts.replace(hour=23, minute=30) + timedelta(days=1)  # late evening in Bishkek
    edit(client, slug, second, next_day, next_day + timedelta(minutes=30), title_ky="Экинчи күн")
    page = client.get(f"/events/{slug}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    programme = page.split('id="programme"', 1)[1]
    days = re.findall(r'<h3 class="programme-date">([^<]+)</h3>', programme)
    assert len(days) == 2
    assert str(next_day.day) in days[1] and "23:30" in programme  # the 24-hour clock, in Bishkek's time
    assert programme.index(days[1]) < programme.index("Экинчи күн")
    manage = client.get(f"/events/{slug}/manage/programme").get_data(as_text=True)
    assert len(re.findall(r'class="programme-date"', manage)) == 2


def test_overlapping_sessions_cannot_both_be_chosen(client, make_event, admin, db_query):
    slug = make_event(sessions=[{"title": "Бизнес", "title_en": "Business"},
                                {"title": "Миграция", "title_en": "Migration"}, {"title": "Маданият"}])
    (business, starts), (migration, _), (culture, _) = sessions_of(db_query, slug)
    edit(client, slug, migration, starts + timedelta(minutes=30), starts + timedelta(minutes=90),
         title_ky="Миграция", title_en="Migration")
    api = api_register(client, slug, email="a@example.org", sessions=[business, migration], language="en")
    error = api.get_json()["error"]
    assert api.status_code == 422 and error["field"] == "sessions"
    assert "Business" in error["message"] and "Migration" in error["message"]
    page = client.post(f"/events/{slug}/register", headers={"Accept-Language": "ru"},
                       data={**form(email="b@example.org"), "sessions": [str(business), str(migration)]})
    text = page.get_data(as_text=True)
    assert 'id="sessions-error"' in text and "Бизнес" in text.split('id="sessions-error"')[1][:300]
    assert "в одно время" in text.split('id="sessions-error"')[1][:400]
    # one ending as the next starts is no clash
    assert api_register(client, slug, email="c@example.org", sessions=[business, culture]).status_code == 201
    # the form knows the pairs for its script (an external file: no inline script)
    form_page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "js/parallel-sessions-" in form_page
    assert f"data-parallel='{{\"{business}\": [{migration}]" in form_page.replace(" ", " ")


# --- the waitlist of a session ----------------------------------------------------------------------

def seat_of(db_query, slug, email):
    def read(db):
        db.session.expire_all()
        registration = db.session.scalar(select(Registration).where(Registration.email == email))
        return [(link.status, link.waiting_seq) for link in registration.session_links]
    return db_query(read)


def test_a_full_session_waits_and_a_freed_seat_goes_to_exactly_the_first(client, make_event, admin, db_query):
    slug = make_event(capacity=10, sessions=[{"title": "Бизнес", "capacity": 2}])
    ((business, starts),) = sessions_of(db_query, slug)
    people = {}
    for name in "abcd":
        body = api_register(client, slug, email=f"{name}@example.org", sessions=[business], language="en").get_json()
        assert body["status"] == "confirmed"
        people[name] = token_of(body)
    private = client.get(f"/r/{people['d']}", headers=EN).get_data(as_text=True)
    assert "waiting, position 2" in private
    assert "seat" in client.get(f"/r/{people['a']}", headers=EN).get_data(as_text=True)
    detail_id = next(r.id for r in regs_of(db_query, slug) if r.email == "c@example.org")
    detail = client.get(f"/events/{slug}/manage/registrations/{detail_id}", headers=EN).get_data(as_text=True)
    assert "waiting, position 1" in detail
    client.post(f"/r/{people['a']}/cancel", data={"confirm": "yes"})
    assert seat_of(db_query, slug, "c@example.org") == [("seated", None)]
    assert seat_of(db_query, slug, "d@example.org")[0][0] == "waiting"
    assert "waiting, position 1" in client.get(f"/r/{people['d']}", headers=EN).get_data(as_text=True)
    seated = [m for m in outbox(db_query) if m.kind == "session_seated"]
    assert [m.to_address for m in seated] == ["c@example.org"]
    assert "You have a seat in Бизнес" in seated[0].subject
    # more places: the next one waiting gets a seat, and a mail
    saved = edit(client, slug, business, starts, starts + timedelta(hours=1), capacity="5")
    assert saved.status_code == 302
    assert seat_of(db_query, slug, "d@example.org") == [("seated", None)]
    assert [m.to_address for m in outbox(db_query) if m.kind == "session_seated"] == ["c@example.org",
                                                                                      "d@example.org"]


def test_un_choosing_a_session_frees_the_seat(client, make_event, db_query):
    slug = make_event(capacity=10, sessions=[{"title": "Бизнес", "capacity": 1}, {"title": "Маданият"}])
    (business, culture), _ = [s for s, _ in sessions_of(db_query, slug)], None
    a = token_of(api_register(client, slug, email="a@example.org", sessions=[business]).get_json())
    api_register(client, slug, email="b@example.org", sessions=[business])
    client.post(f"/r/{a}", data={**form(), "sessions": [str(culture)]})
    assert seat_of(db_query, slug, "b@example.org") == [("seated", None)]
    assert [m.to_address for m in outbox(db_query) if m.kind == "session_seated"] == ["b@example.org"]


def test_moving_up_from_the_events_waitlist_keeps_a_full_session_as_waiting(client, make_event, db_query):
    slug = make_event(capacity=2, sessions=[{"title": "Бизнес", "capacity": 1}])
    ((business, _),) = sessions_of(db_query, slug)
    api_register(client, slug, email="a@example.org", sessions=[business])
    b = token_of(api_register(client, slug, email="b@example.org", sessions=[business]).get_json())
    c = api_register(client, slug, email="c@example.org", sessions=[business], language="en").get_json()
    assert c["status"] == "waitlisted"
    assert seat_of(db_query, slug, "c@example.org") == [("waiting", None)]  # no number while waiting for the event
    client.post(f"/r/{b}/cancel", data={"confirm": "yes"})
    status = {r.email: r.status for r in regs_of(db_query, slug)}
    assert status["c@example.org"] == "confirmed"
    assert seat_of(db_query, slug, "c@example.org")[0][0] == "waiting"  # the session, kept: waiting for it
    assert "waiting, position 1" in client.get(f"/r/{token_of(c)}", headers=EN).get_data(as_text=True)
    promoted = [m for m in outbox(db_query) if m.kind == "registration_promoted"][-1]
    assert "Бизнес" in promoted.body_text


def test_a_capacity_lowered_meanwhile_is_what_seats_are_counted_against(app, client, make_event, db_query):
    """Service level: the race is between loading the event and taking its lock, which HTTP cannot time."""
    from diaspora.events import registrations
    from diaspora.events.answers import RegistrationData
    from diaspora.extensions import db

    slug = make_event(capacity=10, sessions=[{"title": "Бизнес", "capacity": 2}, {"title": "Маданият"}])
    business, culture = [s for s, _ in sessions_of(db_query, slug)]
    api_register(client, slug, email="a@example.org", sessions=[business])
    api_register(client, slug, email="b@example.org", sessions=[culture])
    with app.test_request_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == "b@example.org"))
        assert [s.capacity for s in registration.event.sessions] == [2, None]  # the form was built with these
        with app.app_context():  # the organizer lowers the capacity at that moment
            db.session.get(EventSession, business).capacity = 1
            db.session.commit()
        registrations.update_registration(registration, RegistrationData(
            full_name="Бермет Асанова", email="b@example.org", country="KG", city="Ош", home_region="osh",
            sector="business", consent=True, language="ky", sessions=[business, culture]))
        db.session.commit()
    assert sorted(seat_of(db_query, slug, "b@example.org")) == [("seated", None), ("waiting", 1)]


# --- check-in at a session's door -------------------------------------------------------------------

def test_check_in_at_a_sessions_door(client, make_event, admin, db_query):
    slug = make_event(capacity=10, sessions=[{"title": "Бизнес", "capacity": 1}, {"title": "Маданият"}])
    (business, starts), (culture, _) = sessions_of(db_query, slug)
    edit(client, slug, business, starts, starts + timedelta(hours=1), capacity="1", checkin_required="y")
    codes = {}
    for email, chosen in (("a@example.org", [business]), ("b@example.org", [business]), ("c@example.org", [culture])):
        api_register(client, slug, email=email, sessions=chosen)
    codes = {r.email: r.code for r in regs_of(db_query, slug)}
    page = client.get(f"/events/{slug}/manage/checkin", headers=EN).get_data(as_text=True)
    assert f'<option value="{business}">' in page and f'<option value="{culture}">' not in page
    url = f"/events/{slug}/manage/checkin.json"
    first = client.post(url, json={"code": codes["a@example.org"], "session": str(business)}, headers=EN).get_json()
    assert first["result"] == "ok" and "Бизнес" in first["message"]
    again = client.post(url, json={"code": codes["a@example.org"], "session": business}, headers=EN).get_json()
    assert again["result"] == "already"
    waiting = client.post(url, json={"code": codes["b@example.org"], "session": str(business)}, headers=EN).get_json()
    assert waiting["result"] == "waiting" and "no seat" in waiting["message"]
    assert waiting["sessions"] == ["Бизнес (waiting for a seat)"]
    other = client.post(url, json={"code": codes["c@example.org"], "session": str(business)}, headers=EN).get_json()
    assert other["result"] == "not_chosen" and "did not choose" in other["message"]
    # the entrance is its own check-in; a session that does not ask for one is the entrance too
    entrance = client.post(url, json={"code": codes["a@example.org"]}, headers=EN).get_json()
    assert entrance["result"] == "ok"
    culture_door = client.post(url, json={"code": codes["c@example.org"], "session": str(culture)}).get_json()
    assert culture_door["result"] == "ok"
    form_page = client.post(f"/events/{slug}/manage/checkin", headers=EN,
                            data={"code": codes["b@example.org"], "where": str(business)}).get_data(as_text=True)
    assert "no seat" in form_page and f'<option selected value="{business}">' in form_page
    assert "b@example.org" not in form_page and "912 000" not in form_page

    def links(db):
        db.session.expire_all()
        return db.session.scalar(select(EventSession).where(EventSession.id == business)).capacity
    assert db_query(links) == 1
