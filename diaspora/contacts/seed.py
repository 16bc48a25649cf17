"""The only contacts that ship as real data: well-known national emergency numbers, dated and signed "seed".
Every other number is entered by people and verified by a moderator. `flask seed-contacts` adds what is
missing and changes nothing else (it can run at every deploy)."""
from datetime import date

from sqlalchemy import select

from diaspora.contacts.services import ContactData, create
from diaspora.extensions import db
from diaspora.models import Contact

# When these numbers were checked against the countries' official emergency services for this list.
SOURCE_DATE = date(2026, 12, 1)
SEED_NAME = "seed"

EMERGENCY = {"ky": "Шашылыш кызматтардын бирдиктүү номери", "ru": "Единый номер экстренных служб",
             "en": "Emergency services (single number)"}
FIRE = {"ky": "Өрт өчүрүү кызматы", "ru": "Пожарная охрана", "en": "Fire service"}
POLICE = {"ky": "Милиция (полиция)", "ru": "Полиция", "en": "Police"}
AMBULANCE = {"ky": "Тез жардам", "ru": "Скорая помощь", "en": "Ambulance"}
FIRE_AMBULANCE = {"ky": "Өрт өчүрүү кызматы жана тез жардам", "ru": "Пожарные и скорая помощь",
                  "en": "Fire service and ambulance"}

NUMBERS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "RU": [("112", EMERGENCY), ("101", FIRE), ("102", POLICE), ("103", AMBULANCE)],
    "KZ": [("112", EMERGENCY), ("101", FIRE), ("102", POLICE), ("103", AMBULANCE)],
    "KG": [("112", EMERGENCY), ("101", FIRE), ("102", POLICE), ("103", AMBULANCE)],
    "UZ": [("101", FIRE), ("102", POLICE), ("103", AMBULANCE)],
    "KR": [("112", POLICE), ("119", FIRE_AMBULANCE)],
    "TR": [("112", EMERGENCY)],
    "US": [("911", EMERGENCY)],
    "GB": [("999", EMERGENCY), ("112", EMERGENCY)],
    "DE": [("112", FIRE_AMBULANCE), ("110", POLICE)],
}


def seed_emergency_numbers() -> int:
    """Add the national emergency numbers that are missing; returns how many were added."""
    existing = {(row.country, row.phone) for row in db.session.execute(select(Contact.country, Contact.phone).where(
        Contact.kind == "emergency", Contact.city.is_(None), Contact.is_demo.is_(False)))}
    added = 0
    for country, numbers in NUMBERS.items():
        for phone, name in numbers:
            if (country, phone) in existing:
                continue
            contact = create(None, ContactData(kind="emergency", name=name, country=country, phone=phone))
            contact.verified_on = SOURCE_DATE
            contact.verified_by_name = SEED_NAME
            added += 1
    db.session.flush()
    return added
