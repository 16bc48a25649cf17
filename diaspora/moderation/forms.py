from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Regexp

from diaspora.forms import Form, MaxLength, Required


class CategoryForm(Form):
    slug = StringField(_l("Slug (for the API, never changes)"), validators=[
        Required(), MaxLength(40),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
               message=_l("Lower-case Latin letters, digits and hyphens, e.g. legal-aid."))])
    name_ky = StringField(_l("Name in Kyrgyz"), validators=[Required(), MaxLength(80)])
    name_ru = StringField(_l("Name in Russian"), validators=[Required(), MaxLength(80)])
    name_en = StringField(_l("Name in English"), validators=[Required(), MaxLength(80)])
