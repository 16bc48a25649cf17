"""The demo forum's delegation: five people from Osh registered by their head, one without an email."""
from diaspora.events import delegations
from diaspora.events.answers import RegistrationData
from diaspora.models import Event

MEMBERS = [
    ("Айбек Ташиев", "aibek.demo@example.org", "trade"),
    ("Гүлнара Жумабаева", "gulnara.demo@example.org", "agriculture"),
    ("Нурлан Садыков", "nurlan.demo@example.org", "construction"),
    ("Жыпар Асанова", "jypar.demo@example.org", "services"),
    ("Эрлан Мамытов", None, "transport"),  # registered by the head alone: no mail of his own
]


def seed_delegation(forum: Event) -> None:
    """Register the demo delegation for the forum (published, registration open)."""
    head = delegations.HeadData(full_name="Бакыт Осмонов", email="bakyt.demo@example.org",
                                phone="+996 555 123 456", name="Ош облусунун ишкер делегациясы (демо)",
                                language="ky", consent=True)
    delegations.create(forum.slug, head, [
        RegistrationData(full_name=name, email=email or "", country="KG", city="Ош", home_region="osh", sector=sector)
        for name, email, sector in MEMBERS])
