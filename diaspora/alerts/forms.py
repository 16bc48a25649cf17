from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField

from diaspora.alerts.subscriptions import DEFAULT_RADIUS_KM, RADII
from diaspora.forms import ChoiceField, Form, MultiCheckboxField, options, strip

TOPIC_CHOICES = (("organizations", _l("New associations")), ("events", _l("New events")),
                 ("offers", _l("New offers of help")))
DIGEST_LANGUAGES = (("ky", "Кыргызча"), ("ru", "Русский"), ("en", "English"))


class SubscribeForm(Form):
    """Rendering and CSRF only: every rule is in alerts.subscriptions.clean, which the API uses too."""

    email = EmailField(_l("Email"), filters=[strip], render_kw={"autocomplete": "email"})
    near = StringField(_l("Near a city"), filters=[strip])
    radius_km = ChoiceField(_l("Within, km"), choices=options((r, str(r)) for r in RADII),
                            default=str(DEFAULT_RADIUS_KM))
    country = ChoiceField(_l("Or in a whole country"))
    topics = MultiCheckboxField(_l("Tell me about"), choices=options(TOPIC_CHOICES),
                                default=[value for value, _ in TOPIC_CHOICES])
    categories = MultiCheckboxField(_l("Only these services (none chosen: any)"))
    languages = MultiCheckboxField(_l("Only in these languages (none chosen: any)"))
    language = ChoiceField(_l("Language of the mail"), choices=options(DIGEST_LANGUAGES))


class ConfirmForm(Form):
    """The confirmation's button (a link opened by a mail scanner confirms nothing)."""
