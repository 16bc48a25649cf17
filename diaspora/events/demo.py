"""Demo events for `flask seed-demo`: a made-up edition of the Forum of Compatriots and an association's
Nooruz evening, marked "(demo)" in their titles."""
from datetime import UTC, datetime, timedelta

from diaspora.events import services
from diaspora.events.demo_delegations import seed_delegation
from diaspora.events.demo_projects import seed_projects
from diaspora.events.demo_team import seed_letters, seed_team
from diaspora.extensions import db


class _Site:
    id = None
    is_admin = True
    is_authenticated = True


HALL_1 = {"ky": "1-зал", "ru": "Зал 1", "en": "Hall 1"}
HALL_2 = {"ky": "2-зал", "ru": "Зал 2", "en": "Hall 2"}
HALL_3 = {"ky": "3-зал", "ru": "Зал 3", "en": "Hall 3"}
FORUM_SESSIONS = [
    ({"ky": "Инвестиция жана бизнес", "ru": "Инвестиции и бизнес", "en": "Investment and business"}, HALL_1, 150),
    ({"ky": "Билим берүү", "ru": "Образование", "en": "Education"}, HALL_2, 100),
    ({"ky": "Маданият", "ru": "Культура", "en": "Culture"}, HALL_3, None),
    ({"ky": "Эмгек миграциясы жана укуктар", "ru": "Трудовая миграция и права", "en": "Labour migration and rights"},
     HALL_1, 150),
]


# What each session is about, and its made-up speakers (by index into SPEAKERS).
FORUM_DESCRIPTIONS = [
    {"ky": "Аймактардагы долбоорлор, инвесторлор менен жолугушуулар.",
     "ru": "Проекты в регионах (Ош, Жалал-Абад, Баткен), встречи с инвесторами.",
     "en": "Projects in the regions (Osh, Jalal-Abad, Batken), meetings with investors."},
    {"ky": "Чет өлкөдөгү балдар үчүн кыргыз тили жана дипломдорду таануу.",
     "ru": "Кыргызский язык для детей за рубежом и признание дипломов.",
     "en": "Kyrgyz for children abroad and the recognition of diplomas."},
    {"ky": "Диаспоралардын маданий борборлору жана фестивалдары.",
     "ru": "Культурные центры и фестивали диаспор.", "en": "The diasporas' cultural centres and festivals."},
    {"ky": "Эмгек мигранттарынын укуктары, патент жана юридикалык жардам.",
     "ru": "Права трудовых мигрантов, патент и юридическая помощь.",
     "en": "Migrant workers' rights, work permits and legal aid."},
]
SPEAKERS = [
    ("Айгерим Садыкова (демо)", {"ky": "Модератор", "ru": "Модератор", "en": "Moderator"},
     {"ky": "Демо инвестициялык фонд", "ru": "Демо-инвестиционный фонд", "en": "Demo investment fund"}),
    ("Бакыт Жумабаев (демо)", {"ky": "Баяндамачы", "ru": "Докладчик", "en": "Speaker"},
     {"ky": "Ош ишкерлер ассоциациясы", "ru": "Ассоциация предпринимателей Оша", "en": "Osh business association"}),
    ("Нуржан Токтосунова (демо)", {"ky": "Мугалим", "ru": "Преподаватель", "en": "Teacher"},
     {"ky": "Демо мектеп", "ru": "Демо-школа", "en": "Demo school"}),
    ("Эрлан Абдыкеримов (демо)", {"ky": "Юрист", "ru": "Юрист", "en": "Lawyer"},
     {"ky": "Демо укуктук борбор", "ru": "Демо-правовой центр", "en": "Demo legal centre"}),
]
SESSION_SPEAKERS = [[0, 1], [2], [], [3, 0]]


def _programme(site, forum, start) -> None:
    """The forum's sessions over two days, with descriptions and speakers; on the second day culture and
    migration run in parallel (so both cannot be chosen), and the investment session checks tickets at its door."""
    from diaspora.events import programme

    speakers = [programme.add_speaker(site, forum, programme.SpeakerData(name=name, roles=role,
                                                                          organisations=org))
                for name, role, org in SPEAKERS]
    for i, (titles, room, capacity) in enumerate(FORUM_SESSIONS):
        begins = start + timedelta(hours=2 * (i % 2), days=i // 2)
        if i == 3:  # alongside culture, half an hour later
            begins = start + timedelta(days=1, minutes=30)
        session = services.add_session(site, forum, services.SessionData(
            titles=titles, starts_at=begins, ends_at=begins + timedelta(hours=2), room=room, capacity=capacity,
            descriptions=FORUM_DESCRIPTIONS[i], checkin_required=i == 0))
        db.session.flush()
        programme.update_session(site, forum, session, programme.SessionChanges(
            titles=titles, starts_at=begins, ends_at=begins + timedelta(hours=2), room=room,
            descriptions=FORUM_DESCRIPTIONS[i], capacity=capacity, checkin_required=i == 0,
            speaker_ids=[speakers[n].id for n in SESSION_SPEAKERS[i]]))


def seed(organization_id: int | None = None) -> int:
    """Create the demo events (published). Returns how many."""
    site = _Site()
    start = (datetime.now(UTC) + timedelta(days=120)).replace(hour=3, minute=0, second=0, microsecond=0)
    forum = services.create_event(site, services.EventData(
        titles={"ky": "Мекендештер форуму (демо)", "ru": "Форум соотечественников «Мекендештер» (демо)",
                "en": "Forum of Compatriots «Mekendeshter» (demo)"},
        descriptions={
            "ky": "Демо иш-чара. Чет өлкөдөгү мекендештер жана ишкерлер өкмөт мүчөлөрү менен жолугушуп, "
                  "долбоорлорду жана инвестицияларды талкуулашат.",
            "ru": "Демонстрационное мероприятие. Соотечественники за рубежом и предприниматели встречаются с членами "
                  "правительства, обсуждают проекты и инвестиции.",
            "en": "A demo event. Compatriots abroad and business people meet members of the government and discuss "
                  "projects and investment."},
        starts_at=start, ends_at=start + timedelta(days=1, hours=9), timezone="Asia/Bishkek",
        venue_name={"ky": "Демо: конференц-зал", "ru": "Демо: конференц-зал", "en": "Demo: conference hall"},
        city="Бишкек", country="KG", capacity=500))
    _programme(site, forum, start)
    services.add_question(site, forum, services.QuestionData(
        kind="yesno", labels={"ky": "Мейманкана керекпи?", "ru": "Нужна ли гостиница?", "en": "Do you need a hotel?"}))
    services.publish(site, forum)
    nooruz_start = start - timedelta(days=60)
    nooruz = services.create_event(site, services.EventData(
        titles={"ky": "Нооруз кечеси (демо)", "ru": "Вечер Нооруз (демо)", "en": "Nooruz evening (demo)"},
        descriptions={"ru": "Демонстрационное мероприятие: праздник для всей семьи."},
        starts_at=nooruz_start.replace(hour=15), ends_at=nooruz_start.replace(hour=19), timezone="Europe/Moscow",
        venue_name={"ru": "Демо: дом культуры", "en": "Demo: house of culture"}, city="Москва", country="RU",
        capacity=120,
        organization_id=organization_id))
    services.publish(site, nooruz)
    seed_team(forum)
    seed_letters(forum)
    db.session.flush()
    seed_projects(forum)
    seed_delegation(forum)
    return 2
