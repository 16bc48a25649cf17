"""GET /api/v1/guides and GET /api/v1/guides/<slug>: published guides on rights and risks, in the language
asked for (or the fallback), with every language in `translations`."""
import re

import marshmallow as ma
from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import validate

from diaspora.api.schemas import RATE_LIMITED, countries, error_responses, languages, translations_field
from diaspora.content_i18n import translations
from diaspora.guides import services
from diaspora.markdown import render
from diaspora.models import Guide
from diaspora.models.guide import TOPICS
from diaspora.urls import external_url

blp = Blueprint("guides_api", __name__, url_prefix="/api/v1/guides",
                description="Published guides on rights and risks per destination country and topic.")
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class GuideQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    country = ma.fields.String(validate=validate.OneOf(
        countries(), error="Unknown country: use an ISO 3166-1 alpha-2 code such as RU or KZ."), metadata={
        "description": "The destination country, ISO 3166-1 alpha-2 (case-insensitive).", "example": "RU"})
    lang = ma.fields.String(validate=validate.OneOf(
        languages(), error="Unknown language: use an ISO 639-1 code such as ky or ru."), metadata={
        "description": "The language of title, summary and body (ISO 639-1, e.g. ky); a guide without it comes in "
                       "the site's fallback order, and `language` says which.", "example": "ky"})
    topic = ma.fields.String(validate=validate.OneOf(TOPICS, error="Unknown topic."), metadata={
        "description": "One of the topics."})
    q = ma.fields.String(validate=validate.Length(max=200), metadata={
        "description": "Words in the guide, any language; Unicode case-insensitive (патент finds ПАТЕНТ, ө and ү "
                       "match)."})

    @ma.pre_load
    def normalise(self, data, **kwargs):
        data = {key: data.get(key) for key in data} if hasattr(data, "getlist") else dict(data)
        data["country"] = _upper(data.get("country")) if "country" in data else None
        if isinstance(data.get("lang"), str):
            data["lang"] = data["lang"].strip().lower()
        return {key: value for key, value in data.items() if value is not None}


class LangQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    lang = GuideQuerySchema().fields["lang"]

    @ma.pre_load
    def normalise(self, data, **kwargs):
        data = {key: data.get(key) for key in data} if hasattr(data, "getlist") else dict(data)
        if isinstance(data.get("lang"), str):
            data["lang"] = data["lang"].strip().lower()
        return data


class GuideSchema(ma.Schema):
    slug = ma.fields.String()
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    topic = ma.fields.String(validate=validate.OneOf(TOPICS))
    language = ma.fields.String(allow_none=True, metadata={"description": "The language title, summary and body "
                                                                          "are in"})
    title = ma.fields.String()
    summary = ma.fields.String()
    reviewed_on = ma.fields.Date(allow_none=True)
    reviewed_by = ma.fields.String(metadata={"description": "The moderator's name, as shown on the page"})
    is_demo = ma.fields.Boolean()
    url = ma.fields.String(metadata={"description": "The guide's page"})
    translations = translations_field()


class GuideListSchema(ma.Schema):
    guides = ma.fields.List(ma.fields.Nested(GuideSchema))


class GuideDetailSchema(GuideSchema):
    body_markdown = ma.fields.String(metadata={"description": "The source, Markdown"})
    body_html = ma.fields.String(metadata={"description": "Sanitised HTML (no script, style or event attributes; "
                                                          "links http, https, mailto and tel only, rel=nofollow)"})
    updated_at = ma.fields.DateTime()


def _guide_json(guide: Guide, lang: str | None, with_body: bool = False) -> dict:
    """A guide's fields; every language's body only for the guide itself (a list of 100 would weigh megabytes
    on a phone)."""
    language = guide.body.shown(lang).language  # title and summary follow the body's language
    return {
        "slug": guide.slug, "country": guide.country, "topic": guide.topic, "language": language,
        "title": guide.title[language] if language and guide.title[language] else guide.title.get(lang),
        "summary": guide.summary[language] if language else "",
        "reviewed_on": guide.reviewed_on.isoformat() if guide.reviewed_on else None,
        "reviewed_by": guide.reviewed_by_name, "is_demo": guide.is_demo,
        "url": external_url("guides.show", slug=guide.slug),
        "translations": translations(title=guide.title, summary=guide.summary,
                                     **({"body": guide.body} if with_body else {})),
    }


@blp.route("")
@blp.arguments(GuideQuerySchema, location="query", error_status_code=400)
@blp.response(200, GuideListSchema)
@error_responses(blp, {400: "A parameter is invalid (`field` names it).", 429: RATE_LIMITED})
def list_guides(args):
    """Published guides, the most recently reviewed first."""
    found = services.find(services.GuideSearch(country=args.get("country"), topic=args.get("topic"),
                                               q=args.get("q") or ""))
    return jsonify({"guides": [_guide_json(guide, args.get("lang")) for guide in found]})


@blp.route("/<slug>")
@blp.arguments(LangQuerySchema, location="query", error_status_code=400)
@blp.response(200, GuideDetailSchema)
@error_responses(blp, {400: "A parameter is invalid (`field` names it).", 404: "No published guide has this slug.",
                       429: RATE_LIMITED})
def get_guide(args, slug: str):
    """One published guide with its body, as Markdown and as sanitised HTML."""
    guide = services.by_slug(slug) if SLUG.match(slug) else None
    if guide is None or not guide.is_published:
        return jsonify({"error": {"message": "Guide not found.", "field": None}}), 404
    body = _guide_json(guide, args.get("lang"), with_body=True)
    markdown = guide.body[body["language"]] if body["language"] else ""
    body.update(body_markdown=markdown, body_html=str(render(markdown)), updated_at=guide.updated_at.isoformat())
    return jsonify(body)
