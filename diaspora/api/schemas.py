"""marshmallow schemas: they validate the API's input and generate its OpenAPI description."""
import marshmallow as ma
from marshmallow import validate

from diaspora.geo.distance import MAX_RADIUS_KM
from diaspora.i18n import country_codes, language_codes

MAX_OFFSET = 1_000_000_000


class OrganizationQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    q = ma.fields.String(validate=validate.Length(max=200), metadata={
        "description": "Text in the name, city or description; Unicode case-insensitive (кыргыз finds КЫРГЫЗ)."})
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2 code, e.g. RU.", "example": "RU"})
    category = ma.fields.List(ma.fields.String(), metadata={
        "description": "Service slug; repeat the parameter to require several (legal-aid, employment, ...)."})
    language = ma.fields.String(metadata={"description": "ISO 639-1 code of a language spoken, e.g. ky."})
    lat = ma.fields.Float(validate=validate.Range(-90, 90), metadata={"description": "Centre latitude."})
    lng = ma.fields.Float(validate=validate.Range(-180, 180), metadata={"description": "Centre longitude."})
    radius_km = ma.fields.Float(load_default=50.0, validate=validate.Range(0, MAX_RADIUS_KM), metadata={
        "description": "Radius around the centre, 0 to 20000 km."})
    near = ma.fields.String(validate=validate.Length(min=1, max=200), metadata={
        "description": "A place name (Москва, Istanbul, Сеул) used as the centre instead of lat/lng."})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))

    @ma.pre_load
    def normalise(self, data, **kwargs):
        data = dict(data) if not hasattr(data, "getlist") else {
            key: (data.getlist(key) if key == "category" else data.get(key)) for key in data}
        for key in ("country",):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().upper()
        if isinstance(data.get("language"), str):
            data["language"] = data["language"].strip().lower()
        return data

    @ma.validates("country")
    def _country(self, value, **kwargs):
        if value not in country_codes():
            raise ma.ValidationError("Unknown country: use an ISO 3166-1 alpha-2 code such as RU or KG.")

    @ma.validates("language")
    def _language(self, value, **kwargs):
        if value not in language_codes():
            raise ma.ValidationError("Unknown language: use an ISO 639-1 code such as ky or ru.")

    @ma.validates_schema
    def _centre(self, data, **kwargs):
        if ("lat" in data) != ("lng" in data):
            field = "lng" if "lat" in data else "lat"
            raise ma.ValidationError("Give both lat and lng.", field)
        if "near" in data and "lat" in data:
            raise ma.ValidationError("Give either near or lat/lng, not both.", "near")


class PointSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "Point"})
    coordinates = ma.fields.List(ma.fields.Float(), metadata={"description": "[longitude, latitude]"})


class ContactsSchema(ma.Schema):
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    telegram = ma.fields.String(allow_none=True)
    whatsapp = ma.fields.String(allow_none=True)
    instagram = ma.fields.String(allow_none=True)
    facebook = ma.fields.String(allow_none=True)
    vk = ma.fields.String(allow_none=True)


class OrganizationPropertiesSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    city = ma.fields.String()
    country = ma.fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    address = ma.fields.String(allow_none=True)
    categories = ma.fields.List(ma.fields.String(), metadata={"description": "service slugs"})
    languages = ma.fields.List(ma.fields.String(), metadata={"description": "ISO 639-1 codes"})
    contacts = ma.fields.Nested(ContactsSchema)
    year_founded = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(metadata={"description": "The association's public page"})
    distance_km = ma.fields.Float(allow_none=True, metadata={"description": "Set when a centre is given"})
    demo = ma.fields.Boolean(metadata={"description": "A made-up entry from the demo data"})


class FeatureSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "Feature"})
    id = ma.fields.Integer()
    geometry = ma.fields.Nested(PointSchema, allow_none=True)
    properties = ma.fields.Nested(OrganizationPropertiesSchema)


class FeatureCollectionSchema(ma.Schema):
    type = ma.fields.String(metadata={"example": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Nested(FeatureSchema))
    total = ma.fields.Integer(metadata={"description": "Matches in all (for paging with limit/offset)"})
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


class ApiErrorDetailSchema(ma.Schema):
    message = ma.fields.String()
    field = ma.fields.String(allow_none=True)


class ApiErrorSchema(ma.Schema):
    error = ma.fields.Nested(ApiErrorDetailSchema)
