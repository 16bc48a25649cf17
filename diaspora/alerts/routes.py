"""The alerts' pages: subscribe, confirm, unsubscribe (RFC 8058 one-click: a POST without a token or a login)."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from diaspora.alerts import feeds, subscriptions
from diaspora.alerts.forms import TOPIC_CHOICES, ConfirmForm, SubscribeForm
from diaspora.directory.services import all_categories
from diaspora.extensions import csrf, limiter
from diaspora.forms import options
from diaspora.i18n import country_choices, country_codes, current_locale, language_choices
from diaspora.unit_of_work import attempt
from diaspora.validation import ValidationError

bp = Blueprint("alerts", __name__)


def public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def _private(response):
    # the links carry the subscriber's key: neither cached nor passed on as a referrer
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def subscribe_form() -> SubscribeForm:
    locale = current_locale()
    form = SubscribeForm()
    form.country.choices = options([("", _("Choose a country")), *country_choices(locale)])
    form.categories.choices = options((c.slug, c.label()) for c in all_categories())
    form.languages.choices = options(language_choices(locale))
    if not form.is_submitted():
        form.language.data = locale if locale in subscriptions.LOCALES else "ru"
    return form


@bp.route("/alerts", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def subscribe():
    form = subscribe_form()
    if form.is_submitted():
        form_ok = form.validate()
        radius = form.radius_km.data
        data = subscriptions.SubscriptionData(
            email=form.email.data, near=form.near.data, country=form.country.data or None,
            radius_km=int(radius) if radius and str(radius).isdigit() else None, topics=form.topics.data or [],
            categories=form.categories.data or [], languages=form.languages.data or [], language=form.language.data)
        try:
            with attempt():
                subscriptions.clean(data)
                if form_ok:
                    subscriptions.subscribe(data)
        except ValidationError as error:
            for name, message in error.first_messages().items():
                target = getattr(form, name, None) or form.email
                if message not in target.errors:
                    target.errors = [*target.errors, message]
        else:
            if form_ok:
                return redirect(url_for("alerts.sent"))
    return render_template("alerts/subscribe.html", form=form)


@bp.route("/alerts/sent")
def sent():
    return render_template("alerts/sent.html")


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    subscription = subscriptions.by_token(token)
    if subscription is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        subscriptions.confirm(token)
        flash(_("Your subscription is confirmed. The first digest comes when something new appears."), "success")
        return _private(redirect(url_for("alerts.confirm", token=token)))
    # confirmed: the subscription's own page (what it covers, Telegram, unsubscribing), linked from each digest
    topics = [str(label) for value, label in TOPIC_CHOICES if value in subscription.topics]
    return _private(make_response(render_template("alerts/confirm.html", subscription=subscription, form=form,
                                                  topics=topics)))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client posts "List-Unsubscribe=One-Click" with no token and no cookie
@limiter.exempt  # those POSTs come from a few mail providers' servers; the token (32 random bytes) is the guard
def unsubscribe(token: str):
    if request.method == "POST":
        if not subscriptions.unsubscribe(token):
            abort(404)
        return _private(make_response(render_template("alerts/unsubscribed.html")))
    subscription = subscriptions.by_token(token)
    if subscription is None:
        abort(404)
    return _private(make_response(render_template("alerts/unsubscribe.html", subscription=subscription)))


def _country_arg() -> str | None:
    country = (request.args.get("country") or "").strip().upper()
    if country and country not in country_codes():
        abort(404)
    return country or None


def _atom(body: bytes):
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/events.atom")
def events_feed():
    return _atom(feeds.events_feed(_("Events"), _country_arg(), current_locale()))


@bp.get("/help/offers.atom")
def offers_feed():
    return _atom(feeds.offers_feed(_("Offers of help"), _country_arg(), current_locale()))
