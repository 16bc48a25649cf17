"""POST /api/v1/subscriptions: alerts by mail, with double opt-in (the address gets a confirmation link)."""
import marshmallow as ma
from flask import jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint

from diaspora.alerts import subscriptions
from diaspora.alerts.subscriptions import RADII
from diaspora.api.intake import invalid_fields, json_fields, public_post_limit
from diaspora.api.schemas import (
    NOT_AN_OBJECT,
    RATE_LIMITED,
    REQUIRED,
    UNSUPPORTED,
    RequestBody,
    choice,
    countries,
    error_responses,
    languages,
    text,
)
from diaspora.extensions import limiter
from diaspora.models.alert import TOPICS
from diaspora.unit_of_work import attempt

blp = Blueprint("subscriptions_api", __name__, url_prefix="/api/v1/subscriptions",
                description="Alerts by mail about new associations, events and offers of help near a place.")


class SubscriptionSchema(RequestBody):
    """`near` (a city) or `country`: with both, the city is looked for in that country first."""

    UPPER = ("country",)
    LOWER = ("language",)

    email = text(254, required=True, format="email")
    near = text(120, description="A city, e.g. Екатеринбург")
    country = choice(countries(), description="ISO 3166-1 alpha-2: the whole country when `near` is not given")
    radius_km = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(1, max(RADII)),
                                  metadata={"description": "Around `near` (default 50)"})
    topics = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(TOPICS, error="Choose from the list.")),
                            required=True, error_messages=REQUIRED, validate=ma.validate.Length(min=1, max=3))
    categories = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=60)), allow_none=True,
                                validate=ma.validate.Length(max=50),
                                metadata={"description": "Service slugs; none: any"})
    languages = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(languages())), allow_none=True,
                               validate=ma.validate.Length(max=50),
                               metadata={"description": "The services' languages (ISO 639-1); none: any"})
    language = choice(subscriptions.LOCALES, description="The mail's language (default ru)")


SUBSCRIPTION_BODY = SubscriptionSchema()


class SubscriptionAcceptedSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "confirmation_sent"})


@blp.route("", methods=["POST"])
@limiter.limit(public_post_limit)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": SubscriptionSchema}}})
@blp.response(202, SubscriptionAcceptedSchema)
@error_responses(blp, {
    400: NOT_AN_OBJECT,
    415: UNSUPPORTED,
    422: "Invalid fields: `fields` has a message for each (`near` for a place we cannot find).",
    429: RATE_LIMITED})
def subscribe():
    """Subscribe an address: a confirmation mail goes to it, and nothing else before it is confirmed. The same
    address and area again is the same subscription (an unconfirmed one's filters are replaced)."""
    body, rejected = json_fields(SUBSCRIPTION_BODY)
    if rejected:
        return rejected
    data = subscriptions.SubscriptionData(**body)
    try:
        with attempt(), force_locale("en"):
            subscriptions.subscribe(data)
    except subscriptions.ValidationError as error:
        return invalid_fields(error)
    # the same answer whether the address was known: it tells nobody who subscribed
    return jsonify({"status": "confirmation_sent"}), 202
