"""Demo project proposals for the demo forum: a few participants (example.org addresses) and their projects
in the regions, most accepted and listed, one presented in the "Investment and business" session."""
from diaspora.database import utcnow
from diaspora.events import registrations as regs
from diaspora.extensions import db
from diaspora.models import Event, Project, Registration

AUTHORS = [
    ("Азамат Токтосунов", "RU", "Москва", "osh"),
    ("Гүлнара Абдыкадырова", "TR", "Стамбул", "jalal-abad"),
    ("Нурлан Жумабеков", "KR", "Сеул", "batken"),
    ("Айпери Сыдыкова", "DE", "Берлин", "naryn"),
    ("Эрлан Мамытов", "KZ", "Алматы", "issyk-kul"),
]
# (title, district, sector, amount, currency, stage, summary, status); one per author, in AUTHORS' order
PROJECTS = [
    ("Кургатылган жемиш цехи (демо)", "Кара-Суу району", "agriculture", 120_000, "USD", "plan",
     "Демо долбоор. Ош облусундагы өрүк жана алмуртту кургатуу цехи: 40 жумуш орун, экспорт Россияга.",
     "accepted"),
    ("Жаңгак кайра иштетүү (демо)", "Арстанбап", "agriculture", 250_000, "USD", "started",
     "Демо долбоор. Арстанбап жаңгагын тазалоо жана таңгактоо, жергиликтүү кооперативдер менен.", "accepted"),
    ("Баткен IT-мектеби (демо)", "Кызыл-Кыя", "it", 3_500_000, "KGS", "idea",
     "Демо долбоор. Жаштар үчүн программалоо курстары жана алыстан иштөө борбору.", "accepted"),
    ("Нарында жайлоо туризми (демо)", "Көчкөр району", "services", 60_000, "EUR", "operating",
     "Демо долбоор. Боз үй лагери, ат менен саякат жана жергиликтүү тамак-аш.", "accepted"),
    ("Ысык-Көлдө балык чарбасы (демо)", "Түп району", "agriculture", 400_000, "USD", "plan",
     "Демо долбоор. Форель өстүрүү чарбасы; пикир алмашуу күтүлүүдө.", "submitted"),
]
INVESTMENT_SESSION = "Investment and business"


def seed_projects(forum: Event) -> int:
    """Register the demo authors for the forum and add their projects. Returns how many projects."""
    session = next((s for s in forum.sessions if s.title.get("en") == INVESTMENT_SESSION), None)
    now = utcnow()
    for number, ((name, country, city, region), spec) in enumerate(zip(AUTHORS, PROJECTS, strict=True), start=1):
        title, district, sector, amount, currency, stage, summary, status = spec
        ref = regs.register(forum, regs.RegistrationData(
            full_name=name, email=f"project{number}@example.org", country=country, city=city, home_region=region,
            sector="business", consent=True, language="ky")).registration
        author = db.session.get(Registration, ref.id)
        db.session.add(Project(
            event_id=forum.id, registration_id=author.id if author else None, title=title, home_region=region,
            district=district, sector=sector, amount=amount, currency=currency, stage=stage, summary=summary,
            contact_consent=True, public_consent=True, status=status,
            decided_at=now if status != "submitted" else None,
            session_id=session.id if session is not None and number == 1 else None))
    db.session.flush()
    return len(PROJECTS)
