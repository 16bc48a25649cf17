"""POST /api/v1/events/<slug>/delegations: a head registers several people at once. The same rules, capacity
and rate limits as a single registration (events.delegations places each member as one)."""
import marshmallow as ma
from flask import jsonify, request
from flask_babel import force_locale
from flask_smorest import Blueprint
from marshmallow import validate

from diaspora.api.events import CONSENT, RegistrationRequestSchema
from diaspora.api.intake import (
    delegation_members_limit,
    invalid_fields,
    json_fields,
    json_object,
    public_post_limit,
)
from diaspora.api.schemas import (
    NOT_AN_OBJECT,
    RATE_LIMITED,
    UNSUPPORTED,
    RequestBody,
    StrictBoolean,
    choice,
    countries,
    error_responses,
    text,
)
from diaspora.errors import NotFound
from diaspora.events import delegations
from diaspora.events import registrations as regs
from diaspora.extensions import limiter
from diaspora.models.event import LANGS
from diaspora.unit_of_work import attempt
from diaspora.urls import external_url

blp = Blueprint("delegations_api", __name__, url_prefix="/api/v1/events",
                description="Registering a delegation: several people at once, by their head.")


class MemberSchema(RegistrationRequestSchema):
    """A member: a single registration's fields, the email optional, without consent (the head's), language
    (the delegation's), public_listing (only the person may publish their own name: on their own page) and a
    project (proposed by its author on the event's projects page)."""

    class Meta(RegistrationRequestSchema.Meta):
        exclude = ("consent", "language", "public_listing", "project_title", "project_text")

    # no "email" format: empty or null (no address) is allowed, and the service checks a given address
    email = text(254, description="An email address, optional (empty or null: none); a member with one gets their "
                                  "own mail and link")


class HeadSchema(MemberSchema):
    """The head: a single registration's fields. Reached by mail; a participant too when `country` and `city`
    are given (placed first, unless already listed among the members with the same email)."""

    class Meta(MemberSchema.Meta):
        pass

    email = text(254, required=True, format="email", description="The delegation's link is mailed here")
    country = choice(countries(), description="With `city`: the head takes part too (ISO 3166-1 alpha-2)")
    city = text(120, description="With `country`: the head takes part too")


class DelegationRequestSchema(RequestBody):
    head = ma.fields.Nested(HeadSchema, required=True, metadata={
        "description": "The head: reached by mail; a participant when `country` and `city` are given or when "
                       "listed among the members"})
    members = ma.fields.List(ma.fields.Nested(MemberSchema), required=True,
                             validate=validate.Length(1, delegations.MAX_MEMBERS), metadata={
                                 "description": "Placed in this order: confirmed while places last, then the "
                                                "waitlist"})
    name = text(200, description="The delegation's name, such as “Osh region business delegation”")
    consent = StrictBoolean(required=True, error_messages={"required": CONSENT, "null": CONSENT},
                            validate=validate.Equal(True, error=CONSENT), metadata={"description": "Must be true"})
    language = choice(LANGS, description="The language of the mail (default ky)")


DELEGATION_BODY = DelegationRequestSchema()


class MemberResultSchema(ma.Schema):
    full_name = ma.fields.String()
    status = ma.fields.String(metadata={"description": "confirmed | waitlisted | pending"})
    waitlist_position = ma.fields.Integer(allow_none=True)
    code = ma.fields.String(metadata={"description": "The check-in code on the member's ticket"})


class DelegationResponseSchema(ma.Schema):
    id = ma.fields.Integer()
    manage_url = ma.fields.String(metadata={"description": "The head's private page: statuses, tickets, changes"})
    members = ma.fields.List(ma.fields.Nested(MemberResultSchema))


def _member(fields: dict) -> regs.RegistrationData:
    data = regs.RegistrationData(**{k: v for k, v in fields.items() if k != "email"}, email=fields.get("email") or "")
    if data.sessions is None or not isinstance(data.sessions, list):
        data.sessions = [] if data.sessions is None else ["x"]
    return data


def _head_attends(head: dict, members: list[regs.RegistrationData]) -> bool:
    """Whether the head takes part: they gave where they come from (`country` or `city`) and are not listed among
    the members already (by their email)."""
    if head.get("country") is None and head.get("city") is None:
        return False
    email = str(head.get("email") or "").strip().casefold()
    return not any((m.email or "").strip().casefold() == email for m in members)


def _as_sent(error: regs.InvalidRegistration) -> regs.InvalidRegistration:
    """The head placed as members.0: its problems named head.<field>, the members' by their index as sent."""
    renamed: dict[str, list[str]] = {}
    for name, messages in error.errors.items():
        parts = name.split(".", 2)
        if parts[0] == "members" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1]) - 1
            name = ".".join(["head", *parts[2:]] if index < 0 else ["members", str(index), *parts[2:]])
        renamed.setdefault(name, messages)
    return regs.InvalidRegistration(renamed)


def _members_cost() -> int:
    """A delegation is one request of the public limit and as many people of the delegations' own limit as it
    has members."""
    body = json_object() if request.mimetype == "application/json" else None
    members = body.get("members") if isinstance(body, dict) else None
    head = body.get("head") if isinstance(body, dict) else None
    attends = isinstance(head, dict) and (head.get("country") is not None or head.get("city") is not None)
    return max(1, min(len(members) + attends, delegations.MAX_MEMBERS)) if isinstance(members, list) else 1


@blp.route("/<slug>/delegations", methods=["POST"])
@limiter.limit(public_post_limit)
@limiter.shared_limit(delegation_members_limit, scope="delegation-members", cost=_members_cost)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": DelegationRequestSchema}}})
@blp.response(201, DelegationResponseSchema)
@error_responses(blp, {
    400: NOT_AN_OBJECT,
    404: "Unknown event.",
    409: "Registration is closed.",
    415: UNSUPPORTED,
    422: "Invalid fields: `fields` has a message for each, named by its path: `head.email`, `members.2.email` "
         "(also for an email already registered for the event), `members.0.answers.<question id>`.",
    429: RATE_LIMITED})
def register_delegation(slug: str):
    """Register a delegation: its members are placed in their order under the event's lock, as single
    registrations are (confirmed, or pending when each needs approval, while places last; then the waitlist)."""
    body, rejected = json_fields(DELEGATION_BODY, nested=True)
    if rejected:
        return rejected
    head_fields = body["head"]
    members = [_member(m) for m in body["members"]]
    head_attends = _head_attends(head_fields, members)
    if head_attends:
        members.insert(0, _member(head_fields))
    head = delegations.HeadData(full_name=head_fields.get("full_name") or "", email=head_fields.get("email") or "",
                                phone=head_fields.get("phone"), name=body.get("name"),
                                language=body.get("language") or "ky", consent=body.get("consent") is True)
    try:
        with attempt(), force_locale("en"):  # the API answers in English; the mail goes out in `language`
            created = delegations.create(slug, head, members)
            placed = [{"full_name": m.full_name, "status": m.status, "waitlist_position": regs.waitlist_position(m),
                       "code": m.code} for m in created.members]
    except NotFound:
        return jsonify({"error": {"message": "Event not found.", "field": None}}), 404
    except regs.InvalidRegistration as error:
        return invalid_fields(_as_sent(error) if head_attends else error)
    except regs.RegistrationClosed as error:  # its message was written in English, above
        return jsonify({"error": {"message": error.message, "field": None}}), 409
    return jsonify({"id": created.id, "manage_url": external_url("events.delegation", token=created.token),
                    "members": placed}), 201
