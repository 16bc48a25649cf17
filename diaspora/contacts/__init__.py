"""Emergency and official contacts per country and city: moderated, dated, reported when wrong."""


def country_contacts(country: str | None = None, city: str | None = None, limit: int = 6) -> dict:
    """What templates/contacts/_country_contacts.html shows: the key contacts of `country`, or, when none is
    given, of the country the page was asked for (?country=, "near me", the last one chosen)."""
    from diaspora.contacts import routes, services

    chooser = country is None
    if chooser:
        country, city, _centre = routes.chosen_place()
    country = (country or "").upper() or None
    return {"country": country, "city": city, "contacts": services.contacts_for(country, city, limit),
            "chooser": chooser, "countries": routes.country_options(country) if chooser else []}


def init_app(app) -> None:
    """The moderators' mail about a wrong number, the partial's helper, and the country remembered."""
    from flask import request

    from diaspora import mail, offline
    from diaspora.contacts import notify, routes, services
    from diaspora.contacts.forms import kind_labels

    mail.register_composer("contacts", notify.compose)
    mail.register_kinds("contact_report")
    offline.register_pack_source(routes.offline_pages)
    app.add_template_global(country_contacts, "country_contacts")
    app.add_template_global(kind_labels, "contact_kind_labels")
    for helper in (services.phone_href, services.whatsapp_href, services.telegram_href):
        app.add_template_global(helper)

    @app.after_request
    def remember_country_chosen_on_home(response):
        if request.endpoint == "main.index" and (request.args.get("country") or request.args.get("lat")):
            country, _city, _centre = routes.chosen_place()
            routes.remember_country(response, country)
        return response
