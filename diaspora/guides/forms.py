from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from diaspora.content_forms import Translated
from diaspora.forms import ChoiceField, Form, MaxLength, Required, strip


class GuideForm(Form):
    """Rendering and CSRF; the rules are in guides.services (one title, summary and body per content language:
    title_ky, body_ru …)."""

    organization_id = ChoiceField(_l("Written for the association"))
    country = ChoiceField(_l("Country the guide is about"))
    topic = ChoiceField(_l("Topic"))
    slug = StringField(_l("Address (optional, Latin letters)"), filters=[strip], validators=[MaxLength(80)])
    note = StringField(_l("What did you change? (a short note for the history)"), filters=[strip],
                       validators=[MaxLength(300)])
    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "title": Translated(_l("Title"), 200),
        "summary": Translated(_l("Summary (one or two sentences)"), 500, multiline=True),
        "body": Translated(_l("Text (Markdown: # heading, **bold**, - list, [link](https://…))"), 50_000,
                           multiline=True),
    }


class SendBackForm(Form):
    note = TextAreaField(_l("What should be changed? (the writers see it)"), validators=[Required(), MaxLength(1000)])
