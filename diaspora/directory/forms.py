from datetime import date
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import Email, Optional, ValidationError

from diaspora.content_forms import Translated
from diaspora.directory import contacts
from diaspora.forms import (
    ChoiceField,
    Form,
    LocalizedDecimalField,
    LocalizedIntegerField,
    MaxLength,
    MultiCheckboxField,
    Required,
    in_range,
    options,
    strip,
    web_url,
)

REPORT_REASONS = (
    ("outdated", _l("The information is outdated")),
    ("wrong", _l("The information is wrong")),
    ("closed", _l("The association no longer exists")),
    ("other", _l("Something else")),
)


def _contact_validator(normalize):
    def validate(form, field):
        try:
            field.data = normalize(field.data)
        except contacts.ContactError as error:
            raise ValidationError(str(error.args[0])) from None

    return validate


class OrganizationForm(Form):
    name = StringField(_l("Name of the association"), validators=[Required(), MaxLength(200)])
    # description_ky, description_kk ...: one per content language (content_forms.translated_form)
    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "description": Translated(_l("Short description"), 2000, multiline=True)}
    country = ChoiceField(_l("Country"), validators=[Required()])
    city = StringField(_l("City"), validators=[Required(), MaxLength(120)])
    address = StringField(_l("Street address"), validators=[Optional(), MaxLength(300)])
    latitude = LocalizedDecimalField(_l("Latitude"), places=None, validators=[Optional(), in_range(-90, 90)])
    longitude = LocalizedDecimalField(_l("Longitude"), places=None, validators=[Optional(), in_range(-180, 180)])
    categories = MultiCheckboxField(_l("Services offered"))
    languages = MultiCheckboxField(_l("Languages spoken"))
    email = EmailField(_l("Email"), filters=[strip], validators=[
        Optional(), Email(message=_l("Enter a valid email address."), check_deliverability=False), MaxLength(254)])
    phone = StringField(_l("Phone"), validators=[Optional(), MaxLength(40),
                                                 _contact_validator(contacts.normalize_phone)])
    website = StringField(_l("Website"), validators=[Optional(), MaxLength(300), web_url])
    telegram = StringField("Telegram", validators=[
        Optional(), MaxLength(100), _contact_validator(lambda v: contacts.normalize_handle("telegram", v))])
    whatsapp = StringField("WhatsApp", validators=[
        Optional(), MaxLength(60), _contact_validator(contacts.normalize_whatsapp)])
    instagram = StringField("Instagram", validators=[
        Optional(), MaxLength(100), _contact_validator(lambda v: contacts.normalize_handle("instagram", v))])
    facebook = StringField("Facebook", validators=[
        Optional(), MaxLength(200), _contact_validator(lambda v: contacts.normalize_handle("facebook", v))])
    vk = StringField(_l("VK"), validators=[Optional(), MaxLength(100),
                                           _contact_validator(lambda v: contacts.normalize_handle("vk", v))])
    year_founded = LocalizedIntegerField(_l("Year founded"), validators=[Optional()])

    def validate_year_founded(self, field):
        if field.data is not None and not 1900 <= field.data <= date.today().year:
            raise ValidationError(_l("Enter a year from 1900 to %(year)d.", year=date.today().year))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # A form-level check: Optional() stops a field's own validators when it is empty.
        lat, lng = self.latitude, self.longitude
        if not lat.errors and not lng.errors and (lat.data is None) != (lng.data is None):
            empty = lng if lng.data is None else lat
            empty.errors = [*empty.errors, _l("Give both latitude and longitude, or neither.")]
            valid = False
        return valid


def field_labels() -> dict:
    """Field name -> label in the reader's language, for tables of changes."""
    form = OrganizationForm(meta={"csrf": False}, formdata=None)
    return {name: field.label.text for name, field in form._fields.items()}


class InviteForm(Form):
    email = EmailField(_l("Their email"), filters=[strip], validators=[
        Required(), Email(message=_l("Enter a valid email address."), check_deliverability=False), MaxLength(254)])
    role = ChoiceField(_l("Role"), default="admin", choices=options([
        ("admin", _l("Admin: edits the association's page, its events and offers")),
        ("volunteer", _l("Volunteer: publishes offers of help and takes requests"))]))


class AcceptInvitationForm(Form):
    """Only the CSRF token: taking a role is a POST, never a GET a mail scanner could trigger."""


class RejectForm(Form):
    reason = TextAreaField(_l("Reason, shown to the owner"), validators=[Required(), MaxLength(2000)])


class ReportForm(Form):
    reason = ChoiceField(_l("What is wrong?"), choices=options(REPORT_REASONS), validators=[Required()])
    message = TextAreaField(_l("Details"), validators=[Optional(), MaxLength(2000)])
    email = EmailField(_l("Your email, if you want an answer (optional)"), filters=[strip], validators=[
        Optional(), Email(message=_l("Enter a valid email address."), check_deliverability=False), MaxLength(254)])


class ResolveReportForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), MaxLength(2000)])


RADIUS_CHOICES = (5, 10, 25, 50, 100, 250, 500, 1000, 3000)


class MapFilterForm(Form):
    """The filters of /map (a GET form: nothing secret, so no CSRF token in the address)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or keyword"), validators=[Optional(), MaxLength(100)])
    country = ChoiceField(_l("Country"), validators=[Optional()])
    category = MultiCheckboxField(_l("Services"))
    language = ChoiceField(_l("Language"), validators=[Optional()])
    near = StringField(_l("Near a place"), validators=[Optional(), MaxLength(120)],
                       render_kw={"placeholder": _l("e.g. Москва, Екатеринбург, Istanbul, Сеул")})
    radius_km = ChoiceField(_l("Within"), coerce=int, default=50, validators=[Optional()])
    lat = LocalizedDecimalField(_l("Latitude"), places=None, validators=[Optional(), in_range(-90, 90)])
    lng = LocalizedDecimalField(_l("Longitude"), places=None, validators=[Optional(), in_range(-180, 180)])


# --- members (diaspora.directory.members) -----------------------------------------------------------

MEMBER_ROLE_CHOICES = (
    ("member", _l("Member: reads the association's news")),
    ("volunteer", _l("Volunteer: publishes offers of help and takes requests")),
    ("admin", _l("Admin: edits the association's page, its events and offers")),
)


class MemberChoicesForm(Form):
    share_contact = BooleanField(_l("The association's admins may have my name and email in the member list "
                                    "they download"))
    news_by_mail = BooleanField(_l("Send me the association's news by email"))


class JoinForm(MemberChoicesForm):
    message = TextAreaField(_l("A message to the admins (optional)"), validators=[Optional(), MaxLength(1000)])


class NewsForm(Form):
    title = StringField(_l("Title"), validators=[Required(), MaxLength(200)])
    body = TextAreaField(_l("Text"), validators=[Required(), MaxLength(10000)])


class MemberRoleForm(Form):
    role = ChoiceField(_l("Role"), choices=options(MEMBER_ROLE_CHOICES), validators=[Required()])


class MemberInviteForm(Form):
    email = EmailField(_l("Their email"), filters=[strip], validators=[
        Required(), Email(message=_l("Enter a valid email address."), check_deliverability=False), MaxLength(254)])
    role = ChoiceField(_l("Role"), default="member", choices=options(MEMBER_ROLE_CHOICES), validators=[Required()])
