"""The public JSON API, v1: a stable contract for partner sites. OpenAPI at /api/v1/openapi.json."""
import copy

from flask import current_app, jsonify
from flask_smorest import Api

from diaspora.extensions import csrf, limiter


class JsonErrorApi(Api):
    """flask-smorest's Api, without its app-wide JSON error handler (HTML pages keep HTML errors)."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        # The document's error responses have the shape our handlers answer with, not flask-smorest's.
        from diaspora.api.schemas import ApiErrorSchema

        self.ERROR_SCHEMA = ApiErrorSchema
        super()._register_responses()


api = JsonErrorApi()
LISTS_WITH_CATEGORIES = ("/api/v1/organizations", "/api/v1/offers")


def register_api(app) -> None:
    from diaspora.api.assistance import HelpRequestSchema, offers_blp, requests_blp
    from diaspora.api.contacts import blp as contacts
    from diaspora.api.delegations import blp as delegations
    from diaspora.api.events import blp as events
    from diaspora.api.guides import blp as guides
    from diaspora.api.organizations import blp as organizations
    from diaspora.api.schemas import openapi_of_validators
    from diaspora.api.subscriptions import blp as subscriptions

    api.ma_plugin.converter.add_attribute_function(openapi_of_validators)
    for blueprint in (organizations, events, delegations, offers_blp, requests_blp, guides, contacts, subscriptions):
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(blueprint)
        # JSON for partners' servers and bots; no cookie-based authority to protect
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    api.spec.components.schemas["HelpRequest"].update(HelpRequestSchema.OPENAPI)
    app.view_functions["api-docs.openapi_json"] = openapi_document

    @app.after_request
    def allow_embedding(response):
        # Read-only public data: any site may fetch it from the browser (no cookies are honoured).
        from flask import request

        if request.path.startswith("/api/v1/") and request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            # single-language fields follow ?lang= or Accept-Language: a shared cache must keep them apart
            response.vary.add("Accept-Language")
        return response


def openapi_document():
    """The OpenAPI document, with the service categories that exist now: they are data (an administrator adds
    them), so they are filled in when the document is fetched rather than when the app starts."""
    from diaspora.directory.services import all_categories

    document = copy.deepcopy(api.spec.to_dict())
    slugs = [category.slug for category in all_categories()]
    document["components"]["schemas"]["HelpRequest"]["properties"]["category"]["enum"] = slugs
    for path in LISTS_WITH_CATEGORIES:
        for parameter in document["paths"][path]["get"]["parameters"]:
            if parameter["name"] == "category":
                parameter["schema"]["items"]["enum"] = slugs
    return jsonify(document)
