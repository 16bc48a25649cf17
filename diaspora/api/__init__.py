"""The public JSON API, v1: a stable contract for partner sites. OpenAPI at /api/v1/openapi.json."""
from flask import current_app

from diaspora.extensions import api, csrf, limiter


def register_api(app) -> None:
    from diaspora.api.assistance import offers_blp, requests_blp
    from diaspora.api.events import blp as events
    from diaspora.api.organizations import blp as organizations

    for blueprint in (organizations, events, offers_blp, requests_blp):
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(blueprint)
        # JSON for partners' servers and bots; no cookie-based authority to protect
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    @app.after_request
    def allow_embedding(response):
        # Read-only public data: any site may fetch it from the browser (no cookies are honoured).
        from flask import request

        if request.path.startswith("/api/v1/") and request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response
