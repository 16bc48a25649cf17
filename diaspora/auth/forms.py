from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, Length

from diaspora.forms import Form, MaxLength, Required, strip

PASSWORD_MIN = 8


def _email_field(label):
    return EmailField(label, filters=[strip], render_kw={"autocomplete": "email"}, validators=[
        Required(), Email(message=_l("Enter a valid email address."), check_deliverability=False), MaxLength(254)])


def _new_password(label):
    return PasswordField(label, render_kw={"autocomplete": "new-password"}, validators=[
        Required(), Length(min=PASSWORD_MIN, max=128,
                           message=_l("From %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=128))])


def _repeat_password():
    return PasswordField(_l("Repeat the password"), render_kw={"autocomplete": "new-password"}, validators=[
        Required(), EqualTo("password", message=_l("The passwords do not match."))])


class SignupForm(Form):
    """The first step: the password is chosen after the mailed link proved the address is the person's."""

    name = StringField(_l("Your name"), filters=[strip], validators=[MaxLength(120)],
                       render_kw={"autocomplete": "name"})
    email = _email_field(_l("Email"))


class ChoosePasswordForm(Form):
    password = _new_password(_l("Password"))
    password2 = _repeat_password()


class LoginForm(Form):
    email = EmailField(_l("Email"), filters=[strip], validators=[Required(), MaxLength(254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), validators=[Required(), MaxLength(128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(Form):
    email = _email_field(_l("Email"))


class ResetPasswordForm(Form):
    password = _new_password(_l("New password"))
    password2 = _repeat_password()
