"""Demo associations (and events) for `flask seed-demo`: made-up entries, flagged is_demo and shown with a "Demo"
badge everywhere, in the cities where most Kyrgyz compatriots live. Names echo the kinds of names real
associations use, but none of these is a real association; contacts point at example.org."""
import random

from sqlalchemy import func, select

from diaspora.content_i18n import guess_language
from diaspora.directory.services import OrganizationData, create_organization
from diaspora.extensions import db
from diaspora.models import Organization

# (name, city, country, categories, languages, description, status)
DEMO: list[tuple] = [
    ("Кыргыз жамааты — Москва (демо)", "Москва", "RU", ["adaptation", "legal-aid", "employment"], ["ky", "ru"],
     "Мекендештерге жаңы шаарга көнүүгө, каттоодон өтүүгө жана иш табууга жардам беребиз. "
     "Ар жекшемби сайын акысыз юридикалык кеңеш."),
    ("Землячество «Ала-Тоо» (демо)", "Москва", "RU", ["culture", "youth", "sport"], ["ky", "ru"],
     "Культурные вечера, турниры по кок-бору и футболу, праздник Нооруз для всей семьи."),
    ("Юридическая приёмная для мигрантов (демо)", "Москва", "RU", ["legal-aid"], ["ru", "ky"],
     "Волонтёры-юристы: невыплата зарплаты, трудовой договор, патент, задержание. Консультации бесплатно."),
    ("Кыргыз аялдар кеңеши (демо)", "Москва", "RU", ["women", "charity"], ["ky", "ru"],
     "Мигрант аялдарга жана балдарга колдоо: дарыгер, мектеп, психологиялык жардам."),
    ("Нева-Кыргыз (демо)", "Санкт-Петербург", "RU", ["adaptation", "culture", "education"], ["ky", "ru"],
     "Помогаем студентам и семьям освоиться в Петербурге; курсы русского языка."),
    ("Урал-Ата (демо)", "Екатеринбург", "RU", ["legal-aid", "employment", "adaptation"], ["ky", "ru"],
     "Эмгек акысы төлөнбөй калганда, келишим жок иштегенде — кайрылыңыз. Жумуш берүүчүлөр менен сүйлөшөбүз."),
    ("Сибирь кыргыздары (демо)", "Новосибирск", "RU", ["adaptation", "religion", "charity"], ["ky", "ru"],
     "Взаимопомощь, поддержка семей в трудной ситуации, помощь с репатриацией."),
    ("Енисей-Манас (демо)", "Красноярск", "RU", ["culture", "sport"], ["ky", "ru"],
     "Манасчылар кечеси, спорттук мелдештер жана балдар үчүн кыргыз тили сабактары."),
    ("Казань — Кыргыз үйү (демо)", "Казань", "RU", ["adaptation", "education"], ["ky", "ru", "tt"],
     "Студенттер жана жаштар үчүн жатакана, окуу жана иш боюнча кеңеш."),
    ("Қырғыз-Қазақ достығы (демо)", "Алматы", "KZ", ["business", "culture"], ["ky", "kk", "ru"],
     "Ассоциация предпринимателей: встречи, выставки, помощь с открытием бизнеса."),
    ("Астанадагы мекендештер (демо)", "Астана", "KZ", ["adaptation", "legal-aid"], ["ky", "kk", "ru"],
     "Мекендештерге документ, каттоо жана эмгек укугу боюнча жардам."),
    ("Kırgız Kültür Derneği (demo)", "İstanbul", "TR", ["culture", "education", "adaptation"], ["ky", "tr", "ru"],
     "Stambulda kyrgyz tili kurstary, madaniy kechteler, jany kelgenderge jardam. Türkçe ve Kırgızca."),
    ("Anadolu-Kırgız Dayanışma (demo)", "Ankara", "TR", ["legal-aid", "employment"], ["ky", "tr"],
     "Hukuki danışmanlık ve iş bulma desteği; Kyrgyz students and workers welcome."),
    ("재한 키르기스 공동체 · Кореядагы кыргыздар (демо)", "Сеул", "KR", ["adaptation", "employment", "legal-aid"],
     ["ky", "ru", "ko"],
     "Кореяда иштеген мекендештерге: EPS визасы, эмгек келишими, оорукана. Help in Kyrgyz and Korean."),
    ("Инчхон кыргыз жаштары (демо)", "Incheon", "KR", ["youth", "sport", "education"], ["ky", "ko"],
     "Жаштар үчүн футбол, корей тили клубу жана студенттерге колдоо."),
    ("Kyrgyz Community Club of New York (demo)", "New York", "US", ["culture", "adaptation", "education"],
     ["ky", "ru", "en"], "Community events, English classes and help for newcomers in New York."),
    ("Kyrgyz-American Business Circle (demo)", "New York", "US", ["business", "employment"], ["en", "ky"],
     "A network of entrepreneurs: mentoring, job board, investment projects at home."),
    ("Chicago Kyrgyz Association (demo)", "Chicago", "US", ["culture", "youth", "charity"], ["ky", "en", "ru"],
     "Nooruz and Independence Day celebrations, Kyrgyz language school on Saturdays."),
    ("Houston Kyrgyz Society (demo)", "Houston", "US", ["adaptation", "religion"], ["ky", "en"],
     "Support for families settling in Texas."),
    ("Kyrgyz Society UK (demo)", "London", "GB", ["culture", "education", "legal-aid"], ["ky", "en", "ru"],
     "Advice on visas and studies, cultural evenings, a Kyrgyz library."),
    ("Deutsch-Kirgisischer Verein (Demo)", "Berlin", "DE", ["culture", "education", "business"], ["de", "ky", "ru"],
     "Kultur, Sprachkurse und Beratung für Studierende und Fachkräfte aus Kirgisistan."),
    ("Кыргыздар Мюнхенде (демо)", "München", "DE", ["adaptation", "youth"], ["ky", "de", "ru"],
     "Жаңы келгендерге немис тили, документтер жана жатакана боюнча жардам."),
    ("Ала-Тоо Дубай (демо)", "Dubai", "AE", ["employment", "legal-aid", "business"], ["ky", "ru", "ar", "en"],
     "Работа в ОАЭ: проверка работодателей, помощь при задержке зарплаты и изъятии паспорта."),
    ("Бишкек кайрымдуулук борбору (демо)", "Бишкек", "KG", ["charity", "education"], ["ky", "ru"],
     "Кайтып келген мигранттарга жана алардын үй-бүлөлөрүнө колдоо."),
    ("Ош — мигранттар үчүн маалымат борбору (демо)", "Ош", "KG", ["adaptation", "legal-aid", "employment"],
     ["ky", "ru", "uz"], "Чет өлкөгө чыгаардан мурун: келишим, виза, коопсуздук. Мекенге кайткандарга жумуш."),
    ("Самара-Кыргызстан (демо)", "Самара", "RU", ["adaptation", "sport"], ["ky", "ru"],
     "Спорт и взаимопомощь для земляков в Самаре."),
    ("Иркутск кыргыз коому (демо)", "Иркутск", "RU", ["culture", "charity"], ["ky", "ru"],
     "Маданий иш-чаралар жана муктаж үй-бүлөлөргө жардам."),
    ("Тюмень-Ата-Журт (демо)", "Тюмень", "RU", ["employment", "legal-aid"], ["ky", "ru"],
     "Помощь вахтовикам: договоры, выплаты, безопасность на работе."),
    ("Кыргызы Сургута (демо)", "Сургут", "RU", ["adaptation", "employment"], ["ky", "ru"],
     "Север — это далеко; здесь вы не одни. Жильё, работа, документы."),
    ("Краснодар кыргыз диаспорасы (демо)", "Краснодар", "RU", ["culture", "women"], ["ky", "ru"],
     "Аялдар клубу, балдар үчүн ийримдер, майрамдар."),
    ("Кыргыз биримдиги — Ростов (демо)", "Ростов-на-Дону", "RU", ["adaptation", "religion"], ["ky", "ru"],
     "Взаимопомощь и поддержка семей."),
    ("Kyrgyz Students in Prague (demo)", "Prague", "CZ", ["education", "youth"], ["ky", "en", "cs"],
     "Students helping students: admission, dormitories, part-time jobs."),
    ("Kyrgyz Diaspora Warsaw (demo)", "Warsaw", "PL", ["employment", "legal-aid"], ["ky", "ru", "pl"],
     "Work permits and fair employment in Poland."),
    ("Кыргыздар Бакуда (демо)", "Баку", "AZ", ["culture"], ["ky", "ru", "az"],
     "Маданий байланыштар жана жолугушуулар."),
    ("Ташкенттеги кыргыздар (демо)", "Ташкент", "UZ", ["culture", "business"], ["ky", "uz", "ru"],
     "Бизнес жана маданий кызматташтык."),
    ("Kyrgyz Association of Toronto (demo)", "Toronto", "CA", ["adaptation", "culture"], ["ky", "en", "ru"],
     "Newcomer support and community gatherings."),
    ("Кыргыз жаштар союзу — Санкт-Петербург (демо)", "Санкт-Петербург", "RU", ["youth", "sport", "education"],
     ["ky", "ru"], "Студенттик лига, дебаттар жана спорт."),
    ("Калининград мекендештер (демо)", "Калининград", "RU", ["adaptation"], ["ky", "ru"],
     "Самый западный уголок России: поможем устроиться."),
    # Two waiting for moderation, so the queue has something to show.
    ("Новая ассоциация в Перми (демо)", "Пермь", "RU", ["adaptation"], ["ky", "ru"],
     "Только что зарегистрирована; ждёт проверки модератора.", "pending"),
    ("Кыргыз үйү — Омск (демо)", "Омск", "RU", ["culture", "charity"], ["ky", "ru"],
     "Модераторду күтүүдө.", "pending"),
]


def seed(if_empty: bool = False) -> int:
    if if_empty and db.session.scalar(select(func.count()).select_from(Organization)):
        return 0
    rng = random.Random(2026)  # the same demo map on every machine
    created = 0
    for entry in DEMO:
        name, city, country, categories, languages, description = entry[:6]
        status = entry[6] if len(entry) > 6 else "published"
        org, placement = create_organization(OrganizationData(
            name=name, city=city, country=country, categories=categories, languages=languages,
            description={guess_language(description, ("ky", "ru")): description}, website="https://example.org/",
            year_founded=rng.randint(2000, 2024),
        ), status=status, is_demo=True)
        if placement.source == "city" and (position := org.position) is not None:
            # spread entries of one city around its centre instead of stacking them on one point
            org.latitude = round(position[0] + rng.uniform(-0.04, 0.04), 6)
            org.longitude = round(position[1] + rng.uniform(-0.06, 0.06), 6)
        created += 1
    return created
