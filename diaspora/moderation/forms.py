from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Regexp

from diaspora.content_forms import Translated
from diaspora.forms import Form, MaxLength, Required


class CategoryForm(Form):
    slug = StringField(_l("Slug (for the API, never changes)"), validators=[
        Required(), MaxLength(40),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
               message=_l("Lower-case Latin letters, digits and hyphens, e.g. legal-aid."))])
    # name_ky, name_kk ...: one per content language (content_forms.translated_form), at least one given
    TRANSLATED: ClassVar[dict[str, Translated]] = {"name": Translated(_l("Name of the service"), 80)}
