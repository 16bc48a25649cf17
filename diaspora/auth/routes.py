from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from diaspora.auth import devices, services
from diaspora.auth.forms import ChoosePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from diaspora.errors import ServiceError, render_error
from diaspora.extensions import limiter
from diaspora.forms import add_error
from diaspora.i18n import current_locale
from diaspora.unit_of_work import attempt
from diaspora.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


# --- rate limits: per client address and per account ------------------------------------------------
# Failed logins count, per address and per account (the email typed), so a guess spread over many
# addresses is limited too, and an owner's own successful logins never lock them out. Nor can a stranger's
# failures: a browser that has logged in to the account before (its device cookie, see devices.py) is not
# held by the account's limit, only by its address's. While an account is limited for a browser, the
# password reset by mail stays open and the page says so. Mail sent to an address (reset links, sign-up
# links) is limited per address, so nobody can flood a mailbox.

def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _account_mail_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


def _account_key() -> str:
    """The account a form is about: the normalised email, as an HMAC so the limiter's storage keeps no addresses."""
    return f"account:{devices.account_digest(request.form.get('email', ''))}"


def _known_device() -> bool:
    return devices.is_known(request.form.get("email", ""))


def _failed_login(response) -> bool:
    # A login that worked redirects; a refusal by the limit itself is not another attempt.
    return response.status_code not in (302, 429)


def _mail_sent(response) -> bool:
    return response.status_code == 302


_account_mail = limiter.shared_limit(_account_mail_limit, scope="account-mail", key_func=_account_key,
                                     methods=["POST"], deduct_when=_mail_sent)


@bp.errorhandler(429)
def too_many_attempts(error):
    """The form again, with what was typed (not the password) and what to do now."""
    if request.endpoint == "auth.login":
        form = LoginForm()
        form.password.errors = [_("Too many failed attempts to log in to this account or from your connection. "
                                  "Wait a few minutes and try again, or choose a new password: “Forgot your "
                                  "password?” below sends you a link by mail.")]
        return render_template("auth/login.html", form=form), 429
    if request.endpoint in ("auth.request_reset", "auth.signup"):
        form = ResetRequestForm() if request.endpoint == "auth.request_reset" else SignupForm()
        form.email.errors = [_("Several messages have already been sent to this address, or many requests came "
                               "from your connection. Use the link in the latest message, or try again later.")]
        template = "auth/reset_request.html" if request.endpoint == "auth.request_reset" else "auth/signup.html"
        return render_template(template, form=form), 429
    return render_error(429)


# --- sign-up ----------------------------------------------------------------------------------------

@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
@_account_mail
def signup():
    """Answers alike whether or not the address has an account (see services.request_signup)."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            with attempt():
                services.request_signup(form.email.data, form.name.data, current_locale(),
                                        safe_next(request.args.get("next"), None))
        except ServiceError as error:
            add_error(getattr(form, error.field or "email"), error.message)
        else:
            flash(_("We have sent a message to %(email)s. Open the link in it to go on.", email=form.email.data),
                  "success")
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form)


@bp.get("/signup/sent")
def signup_sent():
    return render_template("auth/signup_sent.html", hours=services.SIGNUP_MAX_AGE // 3600)


@bp.route("/signup/<token>", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def finish_signup(token: str):
    signup = services.signup_for_token(token)
    if signup is None:
        flash(_("This link has expired. Sign up again to get a new one."), "error")
        return redirect(url_for("auth.signup"))
    next_url = safe_next(signup.get("next"), url_for("auth.account"))
    if services.find_user_by_email(signup["email"]) is not None:
        flash(_("This account is ready. Log in."), "success")
        return redirect(url_for("auth.login", next=signup.get("next") or None))
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            with attempt():
                user = services.finish_signup(signup, form.password.data)
        except ServiceError:  # the same link used twice at the same moment
            flash(_("This account is ready. Log in."), "success")
            return redirect(url_for("auth.login", next=signup.get("next") or None))
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        response = redirect(next_url)
        devices.remember(response, user.email)
        return response
    return render_template("auth/signup_finish.html", form=form, email=signup["email"])


# --- logging in and out -----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed_login,
               exempt_when=_known_device)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data or "")
        if user is None:
            add_error(form.password, _("Wrong email or password."))
        else:
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(request.args.get("next"), url_for("auth.account")))
            devices.remember(response, user.email)
            return response
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "success")
    # e.g. back to an invitation, to log in there with the invited address
    return redirect(safe_next(request.args.get("next"), url_for("main.index")))


# --- password reset ---------------------------------------------------------------------------------

@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
@_account_mail
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, current_locale())
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_public_post_limit, methods=["POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        login_user(user)
        flash(_("Your password has been changed."), "success")
        response = redirect(url_for("auth.account"))
        devices.remember(response, user.email)  # e.g. the owner who was limited: this browser is theirs
        return response
    return render_template("auth/reset_password.html", form=form)


# The account page's sections, from the features built on accounts (the directory: "My associations"):
# template -> fn(user) -> the section's context, given to the template as `section`.
ACCOUNT_SECTIONS: dict[str, Callable[[Any], dict]] = {}


def add_account_section(template: str, context: Callable[[Any], dict]) -> None:
    ACCOUNT_SECTIONS[template] = context


@bp.get("/account")
@login_required
def account():
    sections = [(template, context(current_user)) for template, context in ACCOUNT_SECTIONS.items()]
    return render_template("auth/account.html", sections=sections)
