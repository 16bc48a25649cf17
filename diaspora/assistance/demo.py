"""Demo offers of help for `flask seed-demo`, from the demo associations, marked "(demo)" in their titles."""
from sqlalchemy import select

from diaspora.assistance.offers import OfferData, create
from diaspora.extensions import db
from diaspora.models import Category, Organization, organization_categories

OFFERS = {
    "legal-aid": ({"ky": "Эмгек акы төлөнбөсө: акысыз юридикалык кеңеш (демо)",
                   "ru": "Не платят зарплату: бесплатная консультация юриста (демо)",
                   "en": "Unpaid wages: free legal advice (demo)"},
                  {"ru": "Демонстрационное предложение. Поможем составить претензию работодателю и заявление в "
                         "трудовую инспекцию. Приём по субботам, можно по телефону."}),
    "adaptation": ({"ky": "Жаңы келгендерге: каттоо, патент, мектеп (демо)",
                    "ru": "Тем, кто только приехал: регистрация, патент, школа (демо)",
                    "en": "Newcomers: registration, work permit, school (demo)"},
                   {"ky": "Демо сунуш. Каттоодон өтүүгө, патент алууга жана балдарды мектепке жазууга "
                          "жардам беребиз."}),
    "employment": ({"ky": "Кампага жумушчулар керек (демо)", "ru": "Нужны работники на склад (демо)",
                    "en": "Warehouse workers wanted (demo)"},
                   {"ru": "Демонстрационная вакансия. Официальное оформление, оплата дважды в месяц."}),
}


class _Site:  # the demo is written as the site, a site admin
    id = None
    is_admin = True
    is_authenticated = True


def seed(per_category: int = 3) -> int:
    site = _Site()
    created = 0
    for slug, (titles, descriptions) in OFFERS.items():
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            continue
        orgs = db.session.scalars(select(Organization).where(
            Organization.is_demo.is_(True), Organization.status == "published",
            Organization.id.in_(select(organization_categories.c.organization_id).where(
                organization_categories.c.category_id == category.id)))
            .order_by(Organization.id).limit(per_category)).all()
        for org in orgs:
            job = slug == "employment"
            create(site, OfferData(
                organization_id=org.id, category=slug, titles=titles, descriptions=descriptions, scope="city",
                country=org.country, city=org.city, radius_km=50, languages=["ky", "ru"], capacity=10,
                employer="ООО «Демо»" if job else None, wage="60 000 ₽" if job else None,
                written_contract=True if job else None))
            created += 1
    return created
