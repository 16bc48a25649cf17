"""Fixed lists the forms and statistics use: home regions of Kyrgyzstan, sectors of occupation, the stages
and statuses of project proposals."""
from flask_babel import lazy_gettext as _l

HOME_REGIONS = {
    "bishkek": _l("Bishkek"),
    "osh-city": _l("Osh (city)"),
    "batken": _l("Batken region"),
    "chuy": _l("Chüy region"),
    "issyk-kul": _l("Issyk-Kul region"),
    "jalal-abad": _l("Jalal-Abad region"),
    "naryn": _l("Naryn region"),
    "osh": _l("Osh region"),
    "talas": _l("Talas region"),
}

SECTORS = {
    "business": _l("Business, entrepreneurship"),
    "trade": _l("Trade"),
    "construction": _l("Construction"),
    "services": _l("Services, hospitality"),
    "transport": _l("Transport, logistics"),
    "it": _l("IT, telecommunications"),
    "education": _l("Education, science"),
    "health": _l("Health care"),
    "agriculture": _l("Agriculture"),
    "public": _l("Public service, diplomacy"),
    "ngo": _l("Associations, NGOs"),
    "student": _l("Student"),
    "other": _l("Other"),
}

STATUSES = {
    "confirmed": _l("Confirmed"),
    "pending": _l("Waiting for approval"),
    "waitlisted": _l("On the waitlist"),
    "rejected": _l("Not accepted"),
    "cancelled": _l("Cancelled"),
}

PROJECT_STAGES = {
    "idea": _l("An idea"),
    "plan": _l("A business plan"),
    "started": _l("Started"),
    "operating": _l("Operating, growing"),
}

PROJECT_STATUSES = {
    "submitted": _l("Waiting for the decision"),
    "accepted": _l("Accepted"),
    "declined": _l("Not accepted"),
    "withdrawn": _l("Withdrawn"),
}
