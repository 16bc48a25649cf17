"""The delegation form: the head's fields and one row per member (FieldList), built for one event (its
sessions and questions in every row), and read back into the service's plain data."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, FormField, StringField
from wtforms import Form as PlainForm

from diaspora.events.answers import RegistrationData
from diaspora.events.choices import HOME_REGIONS, SECTORS
from diaspora.events.delegations import MAX_MEMBERS, HeadData
from diaspora.events.web import session_label
from diaspora.forms import ChoiceField, Form, MultiCheckboxField, options, strip
from diaspora.i18n import COMMON_COUNTRIES, country_choices
from diaspora.models import Event

FIRST_ROWS = 3


class MemberRow(PlainForm):
    """One member (no CSRF of its own: the delegation form has it)."""

    full_name = StringField(_l("Full name"), filters=[strip], render_kw={"autocomplete": "off"})
    phone = StringField(_l("Phone (optional)"), filters=[strip], render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("Email (optional)"), filters=[strip], render_kw={"type": "email", "autocomplete": "off"})
    country = ChoiceField(_l("Country of residence"))
    city = StringField(_l("City of residence"), filters=[strip])
    home_region = ChoiceField(_l("Home region in Kyrgyzstan"))
    sector = ChoiceField(_l("Sector or occupation"))


class DelegationForm(Form):
    head_name = StringField(_l("Your full name"), filters=[strip], render_kw={"autocomplete": "name"})
    head_phone = StringField(_l("Your phone"), filters=[strip], render_kw={"autocomplete": "tel", "type": "tel"})
    head_email = StringField(_l("Your email"), filters=[strip], render_kw={"autocomplete": "email", "type": "email"})
    name = StringField(_l("Name of the delegation (optional)"), filters=[strip],
                       render_kw={"placeholder": _l("e.g. Osh region business delegation")})
    consent = BooleanField(_l("The members agree that the organizers process their data to run this event"))


def member_row_class(event: Event, locale: str) -> type[PlainForm]:
    class Row(MemberRow):
        pass

    if event.sessions:
        Row.sessions = MultiCheckboxField(_l("Sessions"), coerce=int,
                                          choices=options((s.id, session_label(event, s, locale))
                                                          for s in event.sessions))
    for question in event.questions:
        label = question.label()
        if question.kind == "text":
            setattr(Row, f"q_{question.id}", StringField(label, filters=[strip]))
        elif question.kind == "yesno":
            setattr(Row, f"q_{question.id}", ChoiceField(label, choices=options(
                [("", "—"), ("yes", _("Yes")), ("no", _("No"))])))
        else:
            setattr(Row, f"q_{question.id}", ChoiceField(label, choices=options(
                [("", "—"), *enumerate(question.option_labels())])))
    return Row


def _choices(row, locale: str) -> None:
    row.country.choices = (options([("", _("Choose a country"))])
                           + options(country_choices(locale)[:len(COMMON_COUNTRIES)], _("Frequent"))
                           + options(country_choices(locale)[len(COMMON_COUNTRIES):], _("All countries")))
    row.home_region.choices = options([("", "—"), *HOME_REGIONS.items()])
    row.sector.choices = options([("", "—"), *SECTORS.items()])


def delegation_form(event: Event, locale: str, rows: int = FIRST_ROWS):
    """The whole form: the head and `rows` empty member rows (or as many as were sent)."""

    class Form_(DelegationForm):
        # one row more than a delegation may have: rows past the limit are refused (too_many), never dropped
        members = FieldList(FormField(member_row_class(event, locale)), min_entries=rows,
                            max_entries=MAX_MEMBERS + 1)

    form = Form_()
    fill_choices(form.members, locale)
    return form


def member_form(event: Event, locale: str):
    """One row on its own (the head adds a member from the delegation's page)."""

    class Form_(Form):
        member = FormField(member_row_class(event, locale))

    form = Form_()
    _choices(form.member.form, locale)
    return form


def fill_choices(members, locale: str) -> None:
    for entry in members:
        _choices(entry.form, locale)


def can_add_row(form) -> bool:
    return len(form.members) < MAX_MEMBERS


def too_many(form) -> bool:
    """More rows filled than a delegation may have (the form keeps one row more, to tell)."""
    return len(filled_rows(form)) > MAX_MEMBERS


def members_sent(values, field: str = "members") -> int:
    """How many member rows a request fills, read before the form is built (the rate limit's cost)."""
    rows = set()
    for key, value in values.items(multi=True):
        parts = key.split("-", 2)
        if len(parts) == 3 and parts[0] == field and parts[1].isdigit() and len(parts[1]) < 10 and value.strip():
            rows.add(parts[1])
    return len(rows)


def add_row(form, locale: str) -> None:
    form.members.append_entry()
    _choices(form.members[-1].form, locale)


def member_data(row, event: Event) -> RegistrationData:
    answers = {}
    for question in event.questions:
        value = getattr(row, f"q_{question.id}").data
        answers[str(question.id)] = value if value not in ("", None) else None
    return RegistrationData(
        full_name=row.full_name.data or "", email=row.email.data or "", phone=row.phone.data,
        country=row.country.data or "", city=row.city.data or "", home_region=row.home_region.data or None,
        sector=row.sector.data or None, sessions=(row.sessions.data or []) if event.sessions else [],
        answers=answers, consent=True)


def filled_rows(form) -> list[int]:
    """Indexes of the rows with anything typed or chosen (empty rows, added and left blank, are skipped)."""
    filled = []
    for index, entry in enumerate(form.members):
        row = entry.form
        if any(isinstance(f.data, str) and f.data.strip() for f in row) or (getattr(row, "sessions", None) and
                                                                              row.sessions.data):
            filled.append(index)
    return filled


def head_data(form, locale: str) -> HeadData:
    return HeadData(full_name=form.head_name.data or "", email=form.head_email.data or "", phone=form.head_phone.data,
                    name=form.name.data, language=locale, consent=bool(form.consent.data))


HEAD_FIELDS = {"head.full_name": "head_name", "head.email": "head_email", "head.phone": "head_phone",
               "name": "name", "consent": "consent"}


def show_errors(form, errors: dict[str, list[str]], rows: list[int], members_field: str = "members") -> list[str]:
    """Put the service's messages next to the fields: head.email, members.<n>.email (n counts the rows sent,
    mapped back to the form's row), members.<n>.answers.<id>. Returns what belongs to no field."""
    loose = []
    for name, messages in errors.items():
        target = None
        if name in HEAD_FIELDS:
            target = getattr(form, HEAD_FIELDS[name])
        elif name.startswith("members.") and len(parts := name.split(".")) >= 3 and parts[1].isdigit():
            field_name = f"q_{parts[3]}" if parts[2] == "answers" and len(parts) > 3 else parts[2]
            row = None
            if members_field != "members":  # a single row: whatever its number in the delegation
                row = form[members_field].form
            elif int(parts[1]) < len(rows):
                row = form.members[rows[int(parts[1])]].form
            if row is not None:
                target = getattr(row, field_name, None) or row.full_name
        if target is None:
            loose += messages
            continue
        target.errors = [*(target.errors if isinstance(target.errors, list) else []), *messages]
    return loose
