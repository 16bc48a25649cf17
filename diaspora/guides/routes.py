"""Guides on rights and risks: the list and a guide for everyone; writing, review and versions for
associations' admins and the site's moderators (the rules: guides.services)."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diaspora.content_forms import fill_form, form_text, translated_form
from diaspora.content_i18n import first_field
from diaspora.errors import ServiceError
from diaspora.forms import options
from diaspora.guides import services
from diaspora.guides.forms import GuideForm, SendBackForm
from diaspora.i18n import COMMON_COUNTRIES, country_choices, country_codes, country_name, current_locale
from diaspora.markdown import render as render_markdown
from diaspora.models import Guide
from diaspora.models.guide import TOPICS
from diaspora.offline import Page
from diaspora.unit_of_work import attempt
from diaspora.validation import ValidationError

bp = Blueprint("guides", __name__, url_prefix="/guides")
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")


def _guide(slug: str, edit: bool = False) -> Guide:
    """The guide if this person may see it (or change it, with `edit`); 404 otherwise, never a hint."""
    guide = services.by_slug(slug) if SLUG.match(slug) else None
    if guide is None or not (services.can_edit if edit else services.can_view)(current_user, guide):
        abort(404)
    return guide


def _topic_choices():
    return [(topic, services.topic_label(topic)) for topic in TOPICS]


@bp.get("")
def index():
    args = request.args
    country = (args.get("country") or "").strip().upper()
    topic = args.get("topic") or ""
    q = (args.get("q") or "").strip()[:200]
    search = services.GuideSearch(country=country if country in country_codes() else None,
                                  topic=topic if topic in TOPICS else None, q=q)
    return render_template("guides/index.html", guides=services.find(search), search=search, q=q,
                           countries=country_choices(current_locale()), topics=_topic_choices(),
                           can_write=services.can_write(current_user),
                           is_moderator=services.is_moderator(current_user))


@bp.get("/mine")
@login_required
def mine():
    if not services.can_write(current_user):
        abort(403)
    return render_template("guides/mine.html", guides=services.writer_guides(current_user))


@bp.get("/review")
@login_required
def review_queue():
    if not services.is_moderator(current_user):
        abort(403)
    return render_template("guides/review.html", queue=services.review_queue())


def _form_choices(form) -> None:
    locale = current_locale()
    orgs = [(str(org.id), org.name) for org in services.writer_organizations(current_user)]
    if services.is_moderator(current_user):
        orgs = [("", _("The site (no association)")), *orgs]
    form.organization_id.choices = options(orgs)
    form.country.choices = (options([("", _("Choose a country"))])
                            + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                            + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))
    form.topic.choices = options([("", _("Choose")), *_topic_choices()])


def _data(form) -> services.GuideData:
    org = (form.organization_id.data or "") if "organization_id" in form else ""
    return services.GuideData(country=form.country.data or "", topic=form.topic.data or "",
                              titles=form_text(form, "title"), summaries=form_text(form, "summary"),
                              bodies=form_text(form, "body"), organization_id=int(org) if org.isdigit() else None,
                              slug=(form.slug.data or None) if "slug" in form else None, note=form.note.data or "")


def _show_errors(form, error: ServiceError) -> None:
    messages = error.errors if isinstance(error, ValidationError) else {error.field or "": [error.message]}
    for name, texts in messages.items():
        target = form[name] if name in form else form[first_field("title")]
        target.errors = [*target.errors, *texts]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not services.can_write(current_user):
        abort(403)
    form = translated_form(GuideForm)
    _form_choices(form)
    if form.validate_on_submit():
        try:
            with attempt():
                guide = services.create(current_user, _data(form))
        except ServiceError as error:
            _show_errors(form, error)
        else:
            flash(_("The guide is saved as a draft. Send it for review when it is ready."), "success")
            return redirect(url_for("guides.show", slug=guide.slug))
    return render_template("guides/form.html", form=form, guide=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    guide = _guide(slug, edit=True)
    form = translated_form(GuideForm)
    _form_choices(form)
    del form.organization_id  # a guide stays with its association
    if not services.is_moderator(current_user):
        del form.slug
    if request.method == "GET":
        pending = services.version_of(guide, guide.pending_version) if guide.pending_version else None
        source = pending or guide  # the writers go on from the change waiting for review
        for name in GuideForm.TRANSLATED:
            fill_form(form, name, getattr(source, name))
        form.country.data, form.topic.data = guide.country, guide.topic
        if "slug" in form:
            form.slug.data = guide.slug
    if form.validate_on_submit():
        try:
            with attempt():
                services.update(current_user, guide, _data(form))
        except ServiceError as error:
            _show_errors(form, error)
        else:
            flash(_("Saved. The published text stays until a moderator approves the change.")
                  if guide.pending_version else _("Saved."), "success")
            return redirect(url_for("guides.show", slug=guide.slug))
    return render_template("guides/form.html", form=form, guide=guide)


def _action(slug: str, action, done: str):
    guide = _guide(slug)
    try:
        with attempt():
            action(current_user, guide)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("guides.show", slug=guide.slug))


@bp.post("/<slug>/submit")
@login_required
def submit(slug: str):
    return _action(slug, services.submit, _("Sent for review. A moderator will read it."))


@bp.post("/<slug>/publish")
@login_required
def publish(slug: str):
    read = request.args.get("version", type=int)  # the version the page showed
    return _action(slug, lambda user, guide: services.publish(user, guide, read), _("Published."))


@bp.post("/<slug>/confirm")
@login_required
def confirm(slug: str):
    return _action(slug, services.confirm_review, _("Marked as reviewed today."))


@bp.post("/<slug>/archive")
@login_required
def archive(slug: str):
    return _action(slug, services.archive, _("Archived: the guide is no longer shown."))


@bp.route("/<slug>/send-back", methods=["GET", "POST"])
@login_required
def send_back(slug: str):
    guide = _guide(slug)
    if not services.is_moderator(current_user):
        abort(403)
    form = SendBackForm()
    if form.validate_on_submit():
        try:
            with attempt():
                services.send_back(current_user, guide, form.note.data or "")
        except ServiceError as error:
            form.note.errors = [*form.note.errors, error.message]
        else:
            flash(_("Sent back to its writers with your note."), "success")
            return redirect(url_for("guides.review_queue"))
    return render_template("guides/send_back.html", form=form, guide=guide)


def _shown(guide, title, summary, body) -> dict:
    """The text in the reader's language (or the fallback), the title in the language of the body."""
    shown = body.shown()
    lang = shown.language
    return {"lang": lang, "title": title[lang] or title.get() if lang else title.get(),
            "summary": summary[lang] if lang else "", "html": render_markdown(shown.text)}


@bp.get("/<slug>")
def show(slug: str):
    guide = _guide(slug)
    editor = services.can_edit(current_user, guide)
    return render_template("guides/show.html", guide=guide, text=_shown(guide, guide.title, guide.summary, guide.body),
                           editor=editor, is_moderator=services.is_moderator(current_user),
                           review_due=services.is_review_due(guide), languages=services.languages_of(guide),
                           topic=services.topic_label(guide.topic), version=None,
                           latest_version=services.latest_version(guide) if editor else None)


@bp.get("/<slug>/versions")
@login_required
def versions(slug: str):
    guide = _guide(slug, edit=True)
    found = services.versions(guide)
    return render_template("guides/versions.html", guide=guide, versions=found,
                           changes=services.changed_fields(found))


@bp.get("/<slug>/versions/<id:number>")
@login_required
def version(slug: str, number: int):
    guide = _guide(slug, edit=True)
    item = services.version_of(guide, number)
    if item is None:
        abort(404)
    return render_template("guides/show.html", guide=guide, text=_shown(guide, item.title, item.summary, item.body),
                           editor=True, is_moderator=services.is_moderator(current_user), review_due=False,
                           languages=item.title.languages(), topic=services.topic_label(guide.topic), version=item)


def offline_pages(country: str) -> list[Page]:
    """The country's guides for "Save for offline": the list and each published guide."""
    guides = services.find(services.GuideSearch(country=country))
    return [Page(url_for("guides.index", country=country), _("Guides on rights and risks") + ": "
                 + country_name(country))] + [Page(url_for("guides.show", slug=g.slug), g.title()) for g in guides]
