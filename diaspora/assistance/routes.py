"""Mutual help for everyone: offers (a list and a map), asking for help without an account, and the
person's private page reached by the secret link."""
from datetime import date
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from diaspora.assistance import offers as offer_service
from diaspora.assistance import pin as pins
from diaspora.assistance import requests as help_requests
from diaspora.assistance.escalation import has_open_route
from diaspora.assistance.forms import FindRequestForm, FlagForm, MessageForm, RequestForm
from diaspora.directory.forms import RADIUS_CHOICES
from diaspora.errors import ServiceError, render_error
from diaspora.extensions import db, limiter
from diaspora.forms import options
from diaspora.geo import maps
from diaspora.geo.geocoder import geocode_place
from diaspora.i18n import (
    COMMON_COUNTRIES,
    COMMON_LANGUAGES,
    country_choices,
    country_name,
    current_locale,
    language_choices,
)
from diaspora.models import Category, HelpEvent, HelpMessage, HelpOffer
from diaspora.qr import qr_svg
from diaspora.unit_of_work import attempt
from diaspora.urls import external_url

bp = Blueprint("assistance", __name__)
PAGE_SIZE = 20
# The PIN of a request just sent, held in the person's own session cookie until the confirmation page has
# shown it once: it is stored nowhere else but as a hash.
NEW_PIN = "help_new_pin"


@bp.app_context_processor
def coordinator_link():
    def is_coordinator() -> bool:
        return help_requests.is_coordinator(current_user)
    return {"is_coordinator": is_coordinator}


def public_post_limit() -> str:
    return current_app.config["PUBLIC_POST_RATE_LIMIT"]


def categories():
    return db.session.scalars(select(Category).order_by(Category.position, Category.slug)).all()


def visible_offer(offer_id: int) -> HelpOffer:
    offer = db.session.get(HelpOffer, offer_id)
    if offer is None:
        abort(404)
    public = offer.status == "active" and offer.organization.is_published
    if not public and not offer_service.can_manage(current_user, offer):
        abort(404)
    return offer


def _no_store(response):
    """Pages with a person's request: never cached, indexed, or named to another page in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/help")
def index():
    locale = current_locale()
    args = request.args
    search = offer_service.OfferSearch(limit=PAGE_SIZE)
    search.categories = [c for c in args.getlist("category") if c][:20]
    country = (args.get("country") or "").upper()
    search.country = country if country in {code for code, _ in country_choices(locale)} else None
    language = args.get("language") or None
    search.language = language if language in {code for code, _ in language_choices(locale)} else None
    radius = args.get("radius_km", type=int) or 50
    search.radius_km = radius if radius in RADIUS_CHOICES else 50
    near = (args.get("near") or "").strip()[:120]
    place_error = None
    if near:
        location = geocode_place(near, search.country)
        if location is None:
            place_error = _("We could not find this place. Check the spelling, or try a larger city nearby.")
        else:
            search.lat, search.lng = location.latitude, location.longitude
    elif args.get("lat") and args.get("lng"):
        try:
            lat, lng = float(args["lat"]), float(args["lng"])
        except ValueError:
            pass
        else:
            if -90 <= lat <= 90 and -180 <= lng <= 180:
                search.lat, search.lng = lat, lng
    page = min(max(args.get("page", 1, type=int) or 1, 1), 10_000)
    search.offset = (page - 1) * PAGE_SIZE
    found, total = offer_service.find(search)
    map_search = offer_service.OfferSearch(**{**search.__dict__, "limit": 5000, "offset": 0})
    points = [(*position, o.id) for o, _d in offer_service.find(map_search)[0] if (position := o.position) is not None]
    fmap = maps.directory_map(points, centre=search.centre,
                              radius_km=search.radius_km if search.centre is not None else None,
                              tiles_url=current_app.config["TILES_URL"] or None,
                              attribution=current_app.config["TILES_ATTRIBUTION"])
    return render_template(
        "assistance/index.html", found=found, total=total, page=page, page_size=PAGE_SIZE, fmap=fmap,
        categories=categories(), search=search, near=near, place_error=place_error, locale=locale,
        countries=country_choices(locale, common_first=False), languages=language_choices(locale),
        radius_choices=RADIUS_CHOICES,
        filter_query=urlencode([(k, v) for k in ("category", "country", "language", "near", "radius_km", "lat", "lng")
                                for v in args.getlist(k) if v]))


@bp.get("/help/offers/<id:offer_id>")
def offer(offer_id: int):
    item = visible_offer(offer_id)
    return render_template("assistance/offer.html", offer=item, locale=current_locale(),
                           can_manage=offer_service.can_manage(current_user, item),
                           expired=item.valid_until is not None and item.valid_until < date.today())


@bp.get("/help/offers/popup/<id:offer_id>")
def offer_popup(offer_id: int):
    """What an offer's marker shows, as JSON (built on the page with textContent, like the directory's)."""
    item = db.session.get(HelpOffer, offer_id)
    if item is None or item.status != "active" or not item.organization.is_published:
        return {"error": {"message": _("Not found."), "field": None}}, 404
    title = item.title.shown()
    return {"name": title.text, "lang": title.language,
            "place": ", ".join(filter(None, [item.city, country_name(item.country)])),
            "services": [item.category.label(), item.organization.name],
            "url": url_for("assistance.offer", offer_id=item.id), "link_label": _("Open the page"), "demo": None}


@bp.route("/help/offers/<id:offer_id>/flag", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def flag(offer_id: int):
    item = visible_offer(offer_id)
    form = FlagForm()
    if form.validate_on_submit():
        offer_service.flag(item, form.reason.data, form.message.data)
        flash(_("Thank you. A moderator will look at this offer."), "success")
        return redirect(url_for("assistance.offer", offer_id=item.id))
    return render_template("assistance/flag.html", offer=item, form=form, locale=current_locale())


def request_form(formdata=None):
    locale = current_locale()
    form = RequestForm(formdata=formdata) if formdata is not None else RequestForm()
    form.category.choices = options([("", _("Choose"))] + [(c.slug, c.label()) for c in categories()])
    form.country.choices = (options([("", _("Choose a country"))])
                            + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                            + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))
    form.language.choices = (options(language_choices(locale)[:len(COMMON_LANGUAGES)], _("Frequent"))
                             + options(language_choices(locale)[len(COMMON_LANGUAGES):], _("All languages")))
    if not form.is_submitted():
        form.language.data = locale
    return form


@bp.route("/help/ask", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def ask():
    form = request_form()
    contact_error = None
    if form.is_submitted():
        form_ok = form.validate()  # the CSRF token and the lists' choices
        data = help_requests.RequestData(**{name: getattr(form, name).data for name in (
            "category", "country", "city", "language", "urgency", "description", "name", "phone", "telegram",
            "whatsapp", "email")}, consent=bool(form.consent.data))
        try:
            # every rule at once, also when a list was tampered with, so the person fixes all in one go
            with attempt():
                help_requests.clean(data)
                if form_ok:
                    created, pin = help_requests.create_with_pin(data)
        except help_requests.InvalidRequest as error:
            for name, message in error.first_messages().items():
                if name == "contact":
                    contact_error = message
                elif message not in getattr(form, name).errors:
                    getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            if form_ok:
                session[NEW_PIN] = {"token": created.token, "pin": pin}
                return redirect(url_for("assistance.private", token=created.token, new=1))
    response = make_response(render_template("assistance/ask.html", form=form, contact_error=contact_error))
    return _no_store(response)


@bp.route("/h/<token>", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def private(token: str):
    item = help_requests.by_token(token)
    if item is None:
        abort(404)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            with attempt():
                help_requests.post_message(item, form.body.data, by_requester=True)
        except ServiceError as error:
            form.body.errors = [*form.body.errors, error.message]
        else:
            flash(_("Your message is sent."), "success")
            return redirect(url_for("assistance.private", token=token))
    messages = db.session.scalars(select(HelpMessage).where(HelpMessage.request_id == item.id)
                                  .order_by(HelpMessage.created_at, HelpMessage.id)).all()
    events = db.session.scalars(select(HelpEvent).where(HelpEvent.request_id == item.id)
                                .order_by(HelpEvent.created_at, HelpEvent.id)).all()
    new = request.args.get("new") == "1"
    pin = None
    if new and (held := session.get(NEW_PIN)) and held.get("token") == token:
        pin = session.pop(NEW_PIN)["pin"]  # shown once
    link = external_url("assistance.private", token=token)  # SITE_URL's host, not the one a proxy passed
    response = make_response(render_template(
        "assistance/private.html", item=item, form=form, messages=messages, events=events, new=new, pin=pin,
        locale=current_locale(), link=link, routed=has_open_route(item),
        qr=qr_svg(link, size_px=200, label=_("QR code of the link to your request"))))
    return _no_store(response)


# --- the way back with the reference and the PIN ----------------------------------------------------------
# Wrong PINs count per client address and per reference typed (the limiter), and on the request itself
# (pin.py: a lock that holds in every worker); the answers never tell whether a reference exists.

def pin_address_limit() -> str:
    return current_app.config["HELP_PIN_RATE_LIMIT"]


def pin_reference_limit() -> str:
    config = current_app.config
    return f"{config['HELP_PIN_MAX_FAILURES']} per {config['HELP_PIN_LOCK_MINUTES']} minutes"


def _reference_key() -> str:
    typed = request.form.get("reference", "")
    return "help-reference:" + (pins.normalize_reference(typed) or typed.strip().upper()[:20])


def _pin_refused(response) -> bool:
    # a request opened redirects; a refusal by the limit itself is not another attempt
    return response.status_code not in (302, 429)


def _locked_message() -> str:
    return _("Too many wrong attempts for this reference or from your connection. Wait %(minutes)d minutes and "
             "try again, or open your request with its link.", minutes=current_app.config["HELP_PIN_LOCK_MINUTES"])


def _find_page(form: FindRequestForm, status: int = 200):
    form.pin.data = ""  # like a password: never sent back
    return _no_store(make_response(render_template("assistance/find.html", form=form), status))


@bp.errorhandler(429)
def too_many_attempts(error):
    if request.endpoint == "assistance.find":
        form = FindRequestForm()
        form.pin.errors = [_locked_message()]
        return _find_page(form, 429)
    return render_error(429)


@bp.route("/help/find", methods=["GET", "POST"])
@limiter.limit(pin_address_limit, methods=["POST"], deduct_when=_pin_refused)
@limiter.limit(pin_reference_limit, methods=["POST"], key_func=_reference_key, deduct_when=_pin_refused)
def find():
    form = FindRequestForm()
    if not form.validate_on_submit():
        return _find_page(form)
    outcome, item = pins.open_with_pin(form.reference.data, form.pin.data)
    if outcome == "ok" and item is not None:
        return redirect(url_for("assistance.private", token=item.token))
    if outcome == "locked":
        form.pin.errors = [_locked_message()]
        return _find_page(form, 429)
    form.pin.errors = [_("This reference and PIN do not match a request. Check both and try again.")]
    return _find_page(form)


def _requester_action(token: str, action, done_message: str, deleted: bool = False):
    item = help_requests.by_token(token)
    if item is None:
        abort(404)
    try:
        with attempt():
            action(item)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("assistance.private", token=token))
    flash(done_message, "success")
    # after deleting, the link no longer works: back to the help page
    return redirect(url_for("assistance.index") if deleted else url_for("assistance.private", token=token))


@bp.post("/h/<token>/resolve")
@limiter.limit(public_post_limit)
def requester_resolve(token: str):
    return _requester_action(token, help_requests.resolve_by_requester, _("Glad it is solved. Thank you!"))


@bp.post("/h/<token>/withdraw")
@limiter.limit(public_post_limit)
def requester_withdraw(token: str):
    return _requester_action(token, help_requests.withdraw, _("Your request is withdrawn."))


@bp.post("/h/<token>/delete")
@limiter.limit(public_post_limit)
def requester_delete(token: str):
    return _requester_action(token, help_requests.delete_by_requester,
                             _("Your request is deleted: your name, contacts, story and messages are gone."),
                             deleted=True)
