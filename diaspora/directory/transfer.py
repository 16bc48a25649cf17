"""CSV import and export of associations (flask import-organizations / export-organizations).

Rows are validated with the same rules as the web form, written in batches with bulk statements
(100,000 rows take a minute, not hours), matched to existing entries by folded name + country + city so
a second import updates instead of duplicating, and every change leaves a revision.
"""
import csv
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from sqlalchemy import delete, insert, select, update

from diaspora.content_i18n import I18nText, content_languages, guess_language
from diaspora.csvsafe import unescape_cell
from diaspora.database import binary_order, utcnow
from diaspora.directory import contacts
from diaspora.directory.services import dedupe_key
from diaspora.extensions import db
from diaspora.geo.geocoder import geocode_city, geocoding_budget
from diaspora.i18n import country_codes, language_codes
from diaspora.models import (
    Category,
    Organization,
    OrganizationLanguage,
    OrganizationRevision,
    organization_categories,
)
from diaspora.text import fold, search_text, sort_key
from diaspora.unit_of_work import transaction
from diaspora.validation import FieldError, clean_text, text_problem
from diaspora.weburl import InvalidURL, clean_web_url

# and description_<lang> for each content language; an older file's `description` is read too (its language
# guessed from its letters)
COLUMNS = ["name", "country", "city", "address", "latitude", "longitude", "categories", "languages",
           "email", "phone", "website"]
REQUIRED_COLUMNS = {"name", "country", "city"}
SCALARS = ["name", "country", "city", "address", "latitude", "longitude", "email", "phone", "website", "description"]
BATCH = 1000


def columns() -> list[str]:
    """The export's header: COLUMNS, then the description in each content language."""
    return COLUMNS + [f"description_{lang}" for lang in content_languages()]


def _plain(value):
    """A column's value as JSON keeps it in the history ({language: text} for a translated one)."""
    return value.as_dict() if isinstance(value, I18nText) else value


class RowError(ValueError):
    """What is wrong with a row (or the file, when it has no field): reported, never a traceback."""

    def __init__(self, field: str | None, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


# A cell may be long (a description) but not unbounded; _text reports what is over its column's limit.
csv.field_size_limit(1_000_000)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line where the row starts, field or None, message); a bad row is skipped, the others are imported
    errors: list[tuple[int, str | None, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def _text(row: dict, name: str, limit: int, required: bool = False, multiline: bool = False) -> str | None:
    """A cell by diaspora.validation's rules, as forms and the API check the same text (in English, like the
    rest of the report)."""
    raw = row.get(name) or ""
    with force_locale("en"):
        try:
            if problem := text_problem(raw, multiline):  # before strip() takes a trailing U+0085 for a space
                raise FieldError(problem)
            return clean_text(unescape_cell(raw.strip()), limit, required=required, multiline=multiline)
        except FieldError as error:
            raise RowError(name, error.message) from None


def _float(row: dict, name: str, low: float, high: float) -> float | None:
    raw = (row.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(name, f"not a number: {raw!r}") from None
    if not (low <= value <= high):  # also rejects nan
        raise RowError(name, f"must be between {low:g} and {high:g}")
    return round(value, 6)


def _list(row: dict, name: str) -> list[str]:
    return sorted({part.strip() for part in unescape_cell(row.get(name) or "").split(";") if part.strip()})


def parse_row(row: dict, known_categories: set[str]) -> dict:
    """One CSV row -> column values, or RowError with the reason."""
    if None in row:
        raise RowError(None, "more cells than columns")
    values: dict[str, Any] = {
        "name": _text(row, "name", 200, required=True),
        "city": _text(row, "city", 120, required=True),
        "address": _text(row, "address", 300),
    }
    description = {lang: _text(row, f"description_{lang}", 2000, multiline=True) or ""
                   for lang in content_languages()}
    legacy = _text(row, "description", 2000, multiline=True)
    if legacy and not description.get(lang := guess_language(legacy)):
        description[lang] = legacy
    values["description"] = I18nText(description).as_dict()
    country = (_text(row, "country", 10, required=True) or "").upper()
    if country not in country_codes():
        raise RowError("country", f"unknown code {country!r} (use ISO 3166-1 alpha-2, e.g. RU)")
    values["country"] = country
    values["latitude"] = _float(row, "latitude", -90, 90)
    values["longitude"] = _float(row, "longitude", -180, 180)
    if (values["latitude"] is None) != (values["longitude"] is None):
        raise RowError("longitude" if values["longitude"] is None else "latitude", "give both or neither")
    categories = _list(row, "categories")
    unknown = [c for c in categories if c not in known_categories]
    if unknown:
        raise RowError("categories", f"unknown {', '.join(unknown)}")
    languages = [code.lower() for code in _list(row, "languages")]
    bad = [code for code in languages if code not in language_codes()]
    if bad:
        raise RowError("languages", f"unknown {', '.join(bad)} (use ISO 639-1, e.g. ky;ru)")
    email = _text(row, "email", 254)
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            raise RowError("email", str(error)) from None
    values["email"] = email
    # the same checks as the web form, with their messages in English like the rest of the report
    with force_locale("en"):
        try:
            values["phone"] = contacts.normalize_phone(_text(row, "phone", 40))
        except contacts.ContactError as error:
            raise RowError("phone", str(error.args[0])) from None
        try:
            values["website"] = clean_web_url(_text(row, "website", 300))
        except InvalidURL as error:
            raise RowError("website", str(error.message)) from None
    values["categories"] = categories
    values["languages"] = sorted(set(languages))
    return values


def _rows_with_lines(handle):
    """(line where the record starts, dict) for each record; quoted cells may span lines."""
    reader = csv.DictReader(handle)
    fieldnames = reader.fieldnames or []
    missing = REQUIRED_COLUMNS - set(fieldnames)
    if missing:
        raise RowError(None, f"missing columns: {', '.join(sorted(missing))} (expected {','.join(columns())})")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # e.g. an unterminated quote swallowing the rest of the file
            raise RowError(None, f"line {start}: {error}") from None
        yield start, row
        start = reader.line_num + 1


class Importer:
    def __init__(self, publish: bool = False, source: str = ""):
        self.publish = publish
        self.source = source
        self.report = ImportReport()
        self.categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
        self._places: dict[tuple[str, str], tuple[float, float] | None] = {}

    def _place(self, city: str, country: str) -> tuple[float, float] | None:
        key = (fold(city), country)
        if key not in self._places:
            with geocoding_budget():  # each row its own GEOCODER_TIMEOUT, whoever runs the import
                location = geocode_city(city, country)
            self._places[key] = (round(location.latitude, 6), round(location.longitude, 6)) if location else None
        return self._places[key]

    def run(self, rows) -> ImportReport:
        batch: dict[str, tuple[int, dict]] = {}
        for line, row in rows:
            try:
                values = parse_row(row, set(self.categories))
            except RowError as error:
                self.report.errors.append((line, error.field, error.message))
                continue
            except ValueError as error:  # a check we did not foresee: still this row's problem, not the file's
                self.report.errors.append((line, None, f"unreadable value ({error})"))
                continue
            if values["latitude"] is None:
                found = self._place(values["city"], values["country"])
                if found:
                    values["latitude"], values["longitude"] = found
                    values["location_source"] = "city"
                else:
                    values["location_source"] = "none"
                    self.report.warnings.append((line, f"city not found, no position: {values['city']}"))
            else:
                values["location_source"] = "manual"
            key = dedupe_key(values["name"], values["country"], values["city"])
            batch[key] = (line, values)  # a repeated row in one file: the later one wins
            if len(batch) >= BATCH:
                self._save(batch)
                batch = {}
        if batch:
            self._save(batch)
        return self.report

    def _derived(self, values: dict) -> dict:
        return {
            "search_text": search_text(values["name"], values["city"], *values["description"].values()),
            "sort_key": sort_key(values["name"]),
            "dedupe_key": dedupe_key(values["name"], values["country"], values["city"]),
        }

    def _save(self, batch: dict[str, tuple[int, dict]]) -> None:
        with transaction():  # per batch: a long import keeps what it has done if it is interrupted
            self._write(batch)

    def _write(self, batch: dict[str, tuple[int, dict]]) -> None:
        now = utcnow()
        existing = {
            row.dedupe_key: row for row in db.session.execute(
                select(Organization.id, Organization.dedupe_key, Organization.status,
                       *[getattr(Organization, name) for name in SCALARS if name != "name"], Organization.name)
                .where(Organization.dedupe_key.in_(list(batch)))
            )
        }
        ids = [row.id for row in existing.values()]
        old_categories: dict[int, list[str]] = {i: [] for i in ids}
        old_languages: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            slug_of = {v: k for k, v in self.categories.items()}
            for org_id, category_id in db.session.execute(
                    select(organization_categories.c.organization_id, organization_categories.c.category_id)
                    .where(organization_categories.c.organization_id.in_(ids))):
                old_categories[org_id].append(slug_of[category_id])
            for org_id, code in db.session.execute(
                    select(OrganizationLanguage.organization_id, OrganizationLanguage.code)
                    .where(OrganizationLanguage.organization_id.in_(ids))):
                old_languages[org_id].append(code)

        inserts, updates, revisions, link_ids = [], [], [], []
        new_links: list[tuple[str, dict]] = []
        for key, (line, values) in batch.items():
            note = f"{self.source} line {line}".strip()
            columns = {name: values[name] for name in SCALARS}
            columns["location_source"] = values["location_source"]
            old = existing.get(key)
            if old is None:
                status = "published" if self.publish else "pending"
                inserts.append({**columns, **self._derived(values), "status": status, "is_demo": False,
                                "created_at": now, "updated_at": now, "published_at": now if self.publish else None})
                new_links.append((key, values))
                continue
            changes = {name: [_plain(getattr(old, name)), columns[name]] for name in SCALARS
                       if getattr(old, name) != columns[name]}
            if sorted(old_categories[old.id]) != values["categories"]:
                changes["categories"] = [sorted(old_categories[old.id]), values["categories"]]
            if sorted(old_languages[old.id]) != values["languages"]:
                changes["languages"] = [sorted(old_languages[old.id]), values["languages"]]
            publish_now = self.publish and old.status != "published"
            if not changes and not publish_now:
                self.report.unchanged += 1
                continue
            row = {"id": old.id, **columns, **self._derived(values), "updated_at": now}
            if publish_now:
                row.update(status="published", published_at=now, rejection_reason=None)
            updates.append(row)
            link_ids.append((old.id, values))
            if changes:
                revisions.append({"organization_id": old.id, "action": "imported", "changes": changes, "note": note,
                                  "created_at": now})
            if publish_now:
                revisions.append({"organization_id": old.id, "action": "published", "changes": {}, "note": note,
                                  "created_at": now})
            self.report.updated += 1

        if inserts:
            created = db.session.execute(
                insert(Organization).returning(Organization.id, Organization.dedupe_key, sort_by_parameter_order=True),
                inserts,
            ).all()
            by_key = dict(new_links)
            for org_id, key in created:
                values = by_key[key]
                link_ids.append((org_id, values))
                line = batch[key][0]
                snapshot = {name: [None, values[name]] for name in SCALARS if values[name] not in (None, "", {})}
                snapshot.update({k: [None, values[k]] for k in ("categories", "languages") if values[k]})
                revisions.append({"organization_id": org_id, "action": "imported", "changes": snapshot,
                                  "note": f"{self.source} line {line}".strip(), "created_at": now})
            self.report.created += len(created)
        if updates:
            db.session.execute(update(Organization), updates)
        if link_ids:
            touched = [org_id for org_id, _ in link_ids]
            db.session.execute(delete(organization_categories).where(
                organization_categories.c.organization_id.in_(touched)))
            db.session.execute(delete(OrganizationLanguage).where(OrganizationLanguage.organization_id.in_(touched)))
            category_rows = [{"organization_id": org_id, "category_id": self.categories[slug]}
                             for org_id, values in link_ids for slug in values["categories"]]
            language_rows = [{"organization_id": org_id, "code": code}
                             for org_id, values in link_ids for code in values["languages"]]
            if category_rows:
                db.session.execute(insert(organization_categories), category_rows)
            if language_rows:
                db.session.execute(insert(OrganizationLanguage), language_rows)
        if revisions:
            db.session.execute(insert(OrganizationRevision), revisions)


def import_csv(handle, publish: bool = False, source: str = "", progress=None) -> ImportReport:
    importer = Importer(publish=publish, source=source)
    rows = _rows_with_lines(handle)
    if progress is not None:
        rows = progress(rows)
    return importer.run(rows)


def export_rows(status: str | None = None):
    """Column values of every association (or those with `status`), by name, for csvsafe.write_csv."""
    query = select(Organization).order_by(binary_order(Organization.sort_key), Organization.id)
    if status:
        query = query.where(Organization.status == status)
    header = columns()
    yield header
    for org in db.session.scalars(query.execution_options(yield_per=1000)):
        values = {name: getattr(org, name) for name in SCALARS}
        values.update({f"description_{lang}": org.description[lang] for lang in content_languages()})
        values["categories"] = ";".join(org.category_slugs)
        values["languages"] = ";".join(org.languages)
        if org.location_source == "city":
            # a city-centre pin was derived, not given: leave it out so the import derives it again
            values["latitude"] = values["longitude"] = None
        yield [values[name] for name in header]
