from datetime import datetime
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, FileField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import DateTimeLocalInput

from diaspora.content_forms import Translated
from diaspora.events.choices import PROJECT_STAGES
from diaspora.forms import (
    ChoiceField,
    Form,
    LocalizedDecimalField,
    LocalizedIntegerField,
    MaxLength,
    Required,
    in_range,
    options,
    strip,
    web_url,
)

DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


class LocalDateTimeField(Field):
    """A wall-clock date and time (the event's own time zone is applied by the service)."""

    widget = DateTimeLocalInput()

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        for fmt in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if 2000 <= moment.year <= 2100:
                self.data = moment
                return
        raise ValueError(_l("Enter a date and time, e.g. 2026-06-15 09:30."))


class EventForm(Form):
    """Built with content_forms.translated_form: title_kk, venue_name_kk ... for each content language."""

    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "title": Translated(_l("Title"), 200), "description": Translated(_l("Description"), 10000, multiline=True),
        "venue_name": Translated(_l("Venue"), 200), "venue_address": Translated(_l("Street address"), 300)}
    organization_id = ChoiceField(_l("Organized by"))
    timezone = ChoiceField(_l("Time zone"), default="Asia/Bishkek", validators=[Required()])
    # chosen as "another time zone" in the menu: any IANA name, checked by the service (events.zones)
    timezone_other = StringField(_l("Another time zone"), filters=[strip], validators=[MaxLength(64)],
                                 render_kw={"placeholder": "Europe/Vienna", "autocapitalize": "off",
                                            "spellcheck": "false"})
    starts_at = LocalDateTimeField(_l("Starts"), validators=[Required()])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[Required()])
    city = StringField(_l("City"), filters=[strip], validators=[MaxLength(120)])
    country = ChoiceField(_l("Country"))
    latitude = LocalizedDecimalField(_l("Latitude"), places=None, validators=[Optional(), in_range(-90, 90)])
    longitude = LocalizedDecimalField(_l("Longitude"), places=None, validators=[Optional(), in_range(-180, 180)])
    online_url = StringField(_l("Online link"), filters=[strip], validators=[Optional(), MaxLength(300), web_url])
    reply_to = StringField(_l("Reply-to address for participants (optional)"), filters=[strip],
                           validators=[Optional(), MaxLength(254)],
                           render_kw={"type": "email", "autocomplete": "email"})
    capacity = LocalizedIntegerField(_l("Places"), validators=[Optional(), in_range(0, 1_000_000)])
    registration_opens_at = LocalDateTimeField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = LocalDateTimeField(_l("Registration closes"), validators=[Optional()])
    requires_approval = BooleanField(_l("Each registration needs the organizer's approval"))
    reminder_days_before = LocalizedIntegerField(_l("Reminder, days before the event"), default=2,
                                                 validators=[Optional(), in_range(0, 60)])


class SessionForm(Form):
    TRANSLATED: ClassVar[dict[str, Translated]] = {"title": Translated(_l("Title"), 200),
                                                   "room": Translated(_l("Room"), 120),
                                                   "description": Translated(_l("Description"), 5000,
                                                                             multiline=True)}
    starts_at = LocalDateTimeField(_l("Starts"), validators=[Required()])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[Required()])
    capacity = LocalizedIntegerField(_l("Places (empty: as many as the event)"),
                                     validators=[Optional(), in_range(0, 1_000_000)])
    checkin_required = BooleanField(_l("Check-in at the door of this session"))


class SessionEditForm(SessionForm):
    """The session's speakers are numbered beside it (speaker_<id>: 1, 2 …), read by the view."""


class SpeakerForm(Form):
    TRANSLATED: ClassVar[dict[str, Translated]] = {"role": Translated(_l("Role"), 200),
                                                   "organisation": Translated(_l("Organisation"), 200)}
    name = StringField(_l("Name"), filters=[strip], validators=[Required(), MaxLength(200)])
    photo = FileField(_l("Photo (optional, JPEG or PNG)"), render_kw={"accept": "image/jpeg,image/png"})
    remove_photo = BooleanField(_l("Remove the photo"))


class QuestionForm(Form):
    kind = ChoiceField(_l("Kind of answer"), choices=options([("text", _l("Text")), ("choice", _l("A choice")),
                                                               ("yesno", _l("Yes or no"))]), default="text")
    TRANSLATED: ClassVar[dict[str, Translated]] = {
        "label": Translated(_l("Question"), 300),
        "options": Translated(_l("Options, one per line"), 3000, multiline=True)}
    required = BooleanField(_l("An answer is required"))


class RegistrationForm(Form):
    """Rendering and CSRF only: every rule is checked by events.answers.clean, which the API uses too."""

    full_name = StringField(_l("Full name"), filters=[strip], render_kw={"autocomplete": "name", "required": True})
    email = StringField(_l("Email"), filters=[strip], render_kw={"autocomplete": "email", "type": "email",
                                                                   "required": True})
    phone = StringField(_l("Phone (optional)"), filters=[strip], render_kw={"autocomplete": "tel", "type": "tel"})
    country = ChoiceField(_l("Country of residence"), render_kw={"required": True})
    city = StringField(_l("City of residence"), filters=[strip], render_kw={"required": True})
    home_region = ChoiceField(_l("Home region in Kyrgyzstan"))
    # a StringField instead when there are too many associations to list (events.web.registration_form)
    organization_id: ChoiceField | StringField = ChoiceField(_l("Your association (optional)"))
    sector = ChoiceField(_l("Sector or occupation"))
    consent = BooleanField(_l("I agree that the organizers process my data to run this event"))
    public_listing = BooleanField(_l("Show my name and country in the public list of participants"))


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason, sent to the person"), validators=[Required(), MaxLength(2000)])


class MessageForm(Form):
    subject = StringField(_l("Subject"), filters=[strip], validators=[Required(), MaxLength(200)])
    body = TextAreaField(_l("Message"), validators=[Required(), MaxLength(10000)])


class CheckinForm(Form):
    # "entrance", or the id of a session that asks for check-in at its door (choices set by the view)
    where = ChoiceField(_l("Checking in at"), default="entrance")
    code = StringField(_l("Code from the ticket"), filters=[strip], validators=[Required(), MaxLength(40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  # the next person is already at the door: ready to type again
                                  "autofocus": True})


__all__ = ["CheckinForm", "EventForm", "MessageForm", "QuestionForm", "ReasonForm", "RegistrationForm",
           "SessionEditForm", "SessionForm", "SpeakerForm"]


TEAM_ROLE_CHOICES = (
    ("organizer", _l("Organizer: everything, the team included")),
    ("registrations", _l("Registrations: see, approve, reject, write to participants")),
    ("checkin", _l("Check-in: the door only (name, status and sessions; no contacts)")),
    ("reviewer", _l("Reviewer: project proposals (read, score, comment; no contacts)")),
)
NOTIFY_CHOICES = (
    ("immediately", _l("A mail for each new registration")),
    ("daily", _l("One mail a day with the new registrations")),
    ("off", _l("No mail")),
)


class TeamMemberForm(Form):
    email = StringField(_l("Their email"), filters=[strip], validators=[Required(), MaxLength(254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    role = ChoiceField(_l("Role"), default="checkin", choices=options(TEAM_ROLE_CHOICES))


class TeamRoleForm(Form):
    role = ChoiceField(_l("Role"), choices=options(TEAM_ROLE_CHOICES))


class NotifyForm(Form):
    notify = ChoiceField(_l("New registrations"), choices=options(NOTIFY_CHOICES))


class AcceptTeamForm(Form):
    """Only the CSRF token: joining is a POST, never a GET a mail scanner could trigger."""




class ProjectForm(Form):
    """Rendering and CSRF: events.projects.clean checks every rule."""

    title = StringField(_l("Project title"), filters=[strip], validators=[Required(), MaxLength(200)])
    home_region = ChoiceField(_l("Region of Kyrgyzstan"), validators=[Required()])
    district = StringField(_l("District, town or village (optional)"), filters=[strip], validators=[MaxLength(120)])
    sector = ChoiceField(_l("Sector"), validators=[Required()])
    stage = ChoiceField(_l("Stage"), choices=options([("", "—"), *PROJECT_STAGES.items()]), validators=[Required()])
    amount = LocalizedIntegerField(_l("Amount sought (optional, a whole number)"),
                                   validators=[Optional(), in_range(0, 10**12)], render_kw={"inputmode": "numeric"})
    currency = ChoiceField(_l("Currency"), default="USD",
                           choices=options([(c, c) for c in ("USD", "KGS", "RUB", "EUR")]))
    summary = TextAreaField(_l("The project in a few paragraphs"), validators=[Required(), MaxLength(5000)],
                            render_kw={"rows": 8})
    contact_consent = BooleanField(_l("Interested investors and partners may get my contact through the "
                                      "organizers"))
    # name everything the public page and GET /api/v1/events/<slug>/projects show (events/_public_project.html)
    public_consent = BooleanField(_l("If accepted, list the project on the event's page and in its open data "
                                     "(title, summary, region and district, sector, amount and stage; never my "
                                     "name or contacts)"))


class ReviewForm(Form):
    score = ChoiceField(_l("Score"), choices=options([("", "—"), *((n, str(n)) for n in range(1, 6))]))
    comment = TextAreaField(_l("Comment for the organizers and other reviewers"), render_kw={"rows": 5})


class DecisionForm(Form):
    decision = ChoiceField(_l("Decision"), choices=options([("accept", _l("Accept")), ("decline", _l("Decline"))]))
    reason = TextAreaField(_l("Reason, sent to the author (required to decline)"), render_kw={"rows": 4})


class ProjectSessionForm(Form):
    session_id = ChoiceField(_l("Show under the session"))
