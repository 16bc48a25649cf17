"""The slips of issue 10 fixed, through HTTP: reminders scheduled before the event and "send now" apart from
them, time zones named for people, the venue pin, the place line, a cancelled event, what waitlisted and
pending people are told, cancelling with a confirmation and a mail, answers filtered and counted, phones in CSV."""
import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from diaspora.models import Event
from tests.conftest import REGISTRANT
from tests.test_events import api_register, form, outbox, regs_of


def event_of(db_query, slug):
    def read(db):
        db.session.expire_all()
        return db.session.scalar(select(Event).where(Event.slug == slug))
    return db_query(read)


def token_of(body):
    return body["manage_url"].rsplit("/", 1)[1]


def reminders(db_query):
    return [m for m in outbox(db_query) if m.kind == "event_reminder" and not m.void]


# --- 1. reminders ---------------------------------------------------------------------------------

def test_send_now_is_worded_for_the_time_left_and_leaves_the_scheduled_reminder(client, runner, make_event, db_query,
                                                                              login, make_user, app):
    slug = make_event(capacity=1, starts_in_days=5)  # reminder 2 days before, by default
    coming = api_register(client, slug, email="coming@example.org", language="en").get_json()
    api_register(client, slug, email="waiting@example.org", language="en")  # waitlisted
    gone = api_register(client, slug, email="gone@example.org", language="en")  # waitlisted, then cancels
    client.post(f"/r/{token_of(gone.get_json())}/cancel", data={"confirm": "yes"})
    assert "Reminders queued: 0" in runner.invoke(args=["send-reminders"]).output  # 5 days: not yet

    login(make_user(is_admin=True))
    response = client.post(f"/events/{slug}/manage/reminders", headers={"Accept-Language": "en"},
                           follow_redirects=True)
    assert "Reminders queued: 1" in response.get_data(as_text=True)
    (sent,) = reminders(db_query)
    assert sent.to_address == "coming@example.org"
    assert "starts in 5 days" in sent.body_text and "soon" not in sent.body_text
    assert regs_of(db_query, slug)[0].reminded_at is None  # the scheduled one is still to come

    # two days before, the worker's job sends the scheduled reminder, once, to the confirmed person only
    from diaspora.events import dashboard
    from diaspora.unit_of_work import unit_of_work

    starts = event_of(db_query, slug).starts_at
    with app.app_context():
        with unit_of_work():
            assert dashboard.remind_soon(starts - timedelta(days=2, hours=1)) == "reminders queued: 0"
        with unit_of_work():
            assert dashboard.remind_soon(starts - timedelta(days=1, hours=23)) == "reminders queued: 1"
        with unit_of_work():
            assert dashboard.remind_soon(starts - timedelta(hours=20)) == "reminders queued: 0"
    assert [m.to_address for m in reminders(db_query)] == ["coming@example.org"] * 2
    assert regs_of(db_query, slug)[0].reminded_at is not None
    assert coming["status"] == "confirmed"


def test_no_reminder_months_early_nor_to_pending_people(client, runner, make_event, db_query, login, make_user):
    far = make_event(title="Far", starts_in_days=120)
    api_register(client, far, email="far@example.org")
    login(make_user(is_admin=True))
    page = client.post(f"/events/{far}/manage/reminders", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "too early for a reminder" in page.get_data(as_text=True)
    pending = make_event(title="Approval", starts_in_days=1, approval=True)
    api_register(client, pending, email="pending@example.org")
    none = make_event(title="No reminder", starts_in_days=1, reminder_days_before=None)
    api_register(client, none, email="none@example.org")
    assert "Reminders queued: 0" in runner.invoke(args=["send-reminders"]).output
    client.post(f"/events/{pending}/manage/reminders")
    assert reminders(db_query) == []


# --- 2. time zones and the clock ------------------------------------------------------------------

def test_time_zone_menu_is_short_localised_and_takes_any_valid_zone(client, login, make_user, db_query):
    login(make_user(is_admin=True))
    page = client.get("/events/new", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    menu = re.search(r'<select[^>]*id="timezone".*?</select>', page, re.S).group(0)
    assert "Бишкек, Киргизия (UTC+6)" in menu and "Москва, Россия (UTC+3)" in menu and "Сеул" in menu
    assert "летнее время" not in page and menu.count("<option") < 60
    base = {"title_ky": "Жыйын", "starts_at": "2027-06-15T09:00", "ends_at": "2027-06-15T18:00", "city": "Бишкек",
            "country": "KG", "organization_id": ""}
    bad = client.post("/events/new", data={**base, "timezone": "other", "timezone_other": "Mars/Olympus"},
                      headers={"Accept-Language": "en"})
    assert bad.status_code == 200 and 'id="timezone_other-error"' in bad.get_data(as_text=True)
    assert 'value="Mars/Olympus"' in bad.get_data(as_text=True)  # kept as typed
    ok = client.post("/events/new", data={**base, "timezone": "other", "timezone_other": "asia/kathmandu "})
    assert ok.status_code == 302
    slug = ok.headers["Location"].split("/events/")[1].split("/")[0]
    event = event_of(db_query, slug)
    assert event.timezone == "Asia/Kathmandu" and event.starts_at.isoformat() == "2027-06-15T03:15:00+00:00"
    edit = client.get(f"/events/{slug}/manage/edit", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    assert re.search(r'<option selected value="Asia/Kathmandu">[^<]*\(UTC\+5:45\)', edit)


def test_times_on_the_locale_clock(client, make_event, db_query):
    slug = make_event(sessions=[{"title": "Ачылыш"}])
    start = event_of(db_query, slug).starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Bishkek"))
    for language in ("ky", "ru"):
        page = client.get(f"/events/{slug}", headers={"Accept-Language": language}).get_data(as_text=True)
        assert start.strftime("%H:%M") in page and " PM" not in page and " AM" not in page
        assert "Бишкек" in page and "летнее" not in page and "(UTC+6)" in page
    english = client.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"\d:\d\d\s?[AP]M", english)


# --- 3. the venue pin -----------------------------------------------------------------------------

def test_the_organizer_places_and_moves_the_pin_and_the_city_stays_the_fallback(client, login, make_user,
                                                                                 db_query):
    login(make_user(is_admin=True))
    base = {"title_ky": "Форум", "timezone": "Asia/Bishkek", "starts_at": "2027-06-15T09:00",
            "ends_at": "2027-06-15T18:00", "city": "Бишкек", "country": "KG", "organization_id": ""}
    page = client.get("/events/new").get_data(as_text=True)
    assert 'id="pin-picker"' in page and "js/pin-picker-" in page  # its hashed name
    slug = client.post("/events/new", data={**base, "latitude": "42,8790", "longitude": "74.6120"}) \
        .headers["Location"].split("/events/")[1].split("/")[0]
    assert event_of(db_query, slug).position == (42.879, 74.612)  # where it was put, comma or dot
    edit = f"/events/{slug}/manage/edit"
    assert 'value="42.879"' in client.get(edit).get_data(as_text=True)
    client.post(edit, data={**base, "latitude": "42.8801", "longitude": "74.6002"})  # moved
    assert event_of(db_query, slug).position == (42.8801, 74.6002)
    client.post(edit, data={**base, "city": "Ош", "latitude": "42.8801", "longitude": "74.6002"})  # another city
    assert abs(event_of(db_query, slug).latitude - 40.5) < 0.3  # the pin follows the city it was not moved in
    client.post(edit, data={**base, "latitude": "", "longitude": ""})  # taken away: the city again
    assert abs(event_of(db_query, slug).latitude - 42.87) < 0.1
    half = client.post(edit, data={**base, "latitude": "42.9", "longitude": ""}, headers={"Accept-Language": "en"})
    assert half.status_code == 200 and "latitude" in half.get_data(as_text=True).lower()


# --- 4. the place line ----------------------------------------------------------------------------

def test_the_place_shows_only_what_is_known(client, make_event, db_query):
    city_only = make_event(title="Шаарда")
    page = client.get(f"/events/{city_only}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    place = re.search(r'<dd id="place">(.*?)</dd>', page, re.S).group(1)
    assert place.strip().startswith("Бишкек") and ", ," not in place
    online = make_event(title="Онлайн", city="", country=None, online_url="https://meet.example.org/forum")
    page = client.get(f"/events/{online}").get_data(as_text=True)
    assert 'id="place"' not in page and 'href="https://meet.example.org/forum"' in page
    api_register(client, city_only, language="ru")
    api_register(client, online, email="online@example.org", language="ru")
    for message in outbox(db_query):
        assert ": ," not in message.body_text and "Где: ," not in message.body_text
    assert any("Где: Бишкек" in m.body_text for m in outbox(db_query))


# --- 5. a cancelled event -------------------------------------------------------------------------

def test_a_cancelled_event_says_so_and_offers_nothing(client, make_event, login, make_user):
    slug = make_event()
    token = token_of(api_register(client, slug).get_json())
    login(make_user(is_admin=True))
    client.post(f"/events/{slug}/manage/cancel", data={"confirm": "yes"})
    visitor = client.application.test_client()
    page = visitor.get(f"/events/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="cancelled"' in page and "cancelled" in page
    assert f"/events/{slug}/register" not in page and "<form" not in page.split("<main", 1)[1]
    register = visitor.get(f"/events/{slug}/register").get_data(as_text=True)
    assert 'id="registration-form"' not in register
    refused = visitor.post(f"/events/{slug}/register", data=form(email="late@example.org"),
                           headers={"Accept-Language": "en"})
    assert refused.status_code == 409 and "This event was cancelled." in refused.get_data(as_text=True)
    api = api_register(visitor, slug, email="late@example.org")
    assert api.status_code == 409 and "cancelled" in api.get_json()["error"]["message"]
    private = visitor.get(f"/r/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "cancelled" in private and "/cancel" not in private and 'name="full_name"' not in private
    edited = visitor.post(f"/r/{token}", data=form(full_name="Changed"), follow_redirects=True)
    assert "Changed" not in edited.get_data(as_text=True)


# --- 6. what waitlisted and pending people are told -----------------------------------------------

def test_waitlisted_and_pending_people_are_never_told_they_are_registered(client, make_event, db_query):
    full = make_event(capacity=1)
    api_register(client, full, email="first@example.org")
    web = client.post(f"/events/{full}/register", data=form(email="second@example.org"),
                      headers={"Accept-Language": "en"}, follow_redirects=True).get_data(as_text=True)
    assert "number 1 on the waitlist" in web and "You are registered" not in web
    api = api_register(client, full, email="third@example.org", language="en").get_json()
    assert api["status"] == "waitlisted" and "number 2 on the waitlist" in api["message"]
    approval = make_event(title="Approval", approval=True)
    pending = client.post(f"/events/{approval}/register", data=form(email="p@example.org"),
                          headers={"Accept-Language": "en"}, follow_redirects=True).get_data(as_text=True)
    assert "waits for the organizers' approval" in pending and "You are registered" not in pending
    api = api_register(client, approval, email="q@example.org", language="en").get_json()
    assert api["status"] == "pending" and "approval" in api["message"] and "registered." not in api["message"]
    mails = {m.to_address: m for m in outbox(db_query)}
    assert mails["third@example.org"].kind in ("registration_new", "registration_waitlisted")  # queued by the INSERT
    assert "number 2 on the waitlist" in mails["third@example.org"].body_text
    assert "You are registered" not in mails["third@example.org"].subject
    assert "You are registered" not in mails["q@example.org"].subject


# --- 7. cancelling a registration -----------------------------------------------------------------

def test_cancelling_asks_first_and_confirms_by_mail(client, make_event, db_query):
    slug = make_event()
    token = token_of(api_register(client, slug, language="en").get_json())
    private = client.get(f"/r/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="/r/{token}/cancel"' in private  # a link to the confirmation, not a one-tap cancel
    confirm = client.get(f"/r/{token}/cancel", headers={"Accept-Language": "en"})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "no-store"
    assert 'id="consequences"' in text and "stop working" in text and 'name="confirm" value="yes"' in text
    client.post(f"/r/{token}/cancel")  # without the confirmation: nothing happens
    assert regs_of(db_query, slug)[0].status == "confirmed"
    done = client.post(f"/r/{token}/cancel", data={"confirm": "yes"}, headers={"Accept-Language": "en"},
                       follow_redirects=True)
    assert "sent you a mail" in done.get_data(as_text=True)
    assert regs_of(db_query, slug)[0].status == "cancelled"
    client.post(f"/r/{token}/cancel", data={"confirm": "yes"})  # twice: one mail
    (mail,) = [m for m in outbox(db_query) if m.kind == "registration_cancelled"]
    assert mail.to_address == REGISTRANT["email"] and not mail.void and "cancelled" in mail.subject
    assert "no longer work" in mail.body_text and not mail.attachments


# --- 8. answers filtered and counted --------------------------------------------------------------

def question_ids(db_query, slug):
    from diaspora.models import EventQuestion

    return db_query(lambda db: db.session.scalars(
        select(EventQuestion.id).join(Event, Event.id == EventQuestion.event_id).where(Event.slug == slug)
        .order_by(EventQuestion.position)).all())


def test_answers_are_filtered_and_counted(client, make_event, db_query, login, make_user):
    slug = make_event(questions=[
        {"kind": "choice", "label": "Тамак", "options": [{"ky": "Халал"}, {"ky": "Вегетариан"}]},
        {"kind": "yesno", "label": "Виза керекпи?"},
        {"kind": "text", "label": "Тилдер"}])
    meal, visa, langs = question_ids(db_query, slug)
    people = [("Айбек", 0, True, "кыргызча"), ("Гүлнара", 1, False, ""), ("Бакыт", 0, None, "орусча"),
              ("Нурлан", None, True, None)]
    for number, (name, food, needs_visa, text) in enumerate(people):
        answers = {str(meal): food, str(visa): needs_visa, str(langs): text}
        assert api_register(client, slug, email=f"p{number}@example.org", full_name=name,
                            answers={k: v for k, v in answers.items() if v is not None}).status_code == 201
    login(make_user(is_admin=True))

    def names(answer):
        page = client.get(f"/events/{slug}/manage/registrations?answer={answer}").get_data(as_text=True)
        return sorted(re.findall(r'<td><a href="[^"]+">([^<]+)</a>', page))

    assert names(f"{meal}:0") == ["Айбек", "Бакыт"] and names(f"{meal}:1") == ["Гүлнара"]
    assert names(f"{meal}:none") == ["Нурлан"]
    assert names(f"{visa}:yes") == ["Айбек", "Нурлан"] and names(f"{visa}:no") == ["Гүлнара"]
    assert names(f"{langs}:any") == ["Айбек", "Бакыт"] and names(f"{langs}:none") == ["Гүлнара", "Нурлан"]
    assert len(names("nonsense")) == 4 and names("999999:0") == []
    dashboard = client.get(f"/events/{slug}/manage", headers={"Accept-Language": "en"}).get_data(as_text=True)
    counts = dashboard.split('id="answer-counts"', 1)[1]
    cells = re.findall(r'answer=(\d+)(?::|%3A)(\w+)">[^<]*</a></th>\s*<td><span[^>]*></span> (\d+)', counts)
    found = {(int(q), key): int(n) for q, key, n in cells}
    assert found[(meal, "0")] == 2 and found[(meal, "1")] == 1 and found[(meal, "none")] == 1
    assert found[(visa, "yes")] == 2 and found[(visa, "no")] == 1 and found[(langs, "any")] == 2
    exported = client.get(f"/events/{slug}/manage/export.csv?answer={meal}:0").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(exported)))) == 3  # the filter follows the export


# --- 9. phones in the CSV -------------------------------------------------------------------------

def test_phones_are_exported_as_typed_and_formulas_still_marked(client, make_event, login, make_user):
    slug = make_event()
    api_register(client, slug, email="a@example.org", phone="+996 555 123 456")
    api_register(client, slug, email="b@example.org", phone="+7 (912) 000-00-00", city="=HYPERLINK(\"x\")",
                 full_name="Асан;")
    login(make_user(is_admin=True))
    text = client.get(f"/events/{slug}/manage/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    phones = [row[rows[0].index("Phone")] if "Phone" in rows[0] else row[5] for row in rows[1:]]
    assert sorted(phones) == ["+7 (912) 000-00-00", "+996 555 123 456"]
    assert "'=HYPERLINK(\"x\")" in [cell for row in rows for cell in row]

    from diaspora.csvsafe import unescape_cell, write_csv

    out = io.StringIO()
    write_csv(out, [["Асан", "+996 555 123 456", "a;", "+996 555 123 456", "x", "+1 cmd", "+996;=1+1"]])
    cells = next(csv.reader(io.StringIO(out.getvalue())))
    # as typed after an ordinary field; marked after one ending in ";" (Excel may start a cell there that runs
    # on), and wherever something other than a number follows the sign
    assert cells == ["Асан", "+996 555 123 456", "a;", "'+996 555 123 456", "x", "'+1 cmd", "'+996;'=1+1"]
    assert [unescape_cell(c) for c in cells][3:] == ["+996 555 123 456", "x", "+1 cmd", "+996;=1+1"]
