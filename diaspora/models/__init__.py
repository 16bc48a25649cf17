"""Models, one module per domain. Importing this package registers every table with the metadata."""
from diaspora.models.alert import AlertSent, AlertSubscription, EventPublication
from diaspora.models.assistance import (
    HelpEvent,
    HelpMessage,
    HelpOffer,
    HelpOfferLanguage,
    HelpRequest,
    HelpRoute,
    OfferFlag,
)
from diaspora.models.contact import Contact, ContactReport
from diaspora.models.event import (
    Delegation,
    Event,
    EventQuestion,
    EventSession,
    Registration,
    RegistrationSession,
    SessionSpeaker,
    Speaker,
)
from diaspora.models.event_letters import EventLetters
from diaspora.models.event_team import EventTeamMember
from diaspora.models.geocache import GeocodeCache
from diaspora.models.guide import Guide, GuideVersion
from diaspora.models.invitation import Invitation
from diaspora.models.job import PeriodicJob
from diaspora.models.mail import OutboxAttachment, OutboxMessage
from diaspora.models.member import OrganizationMember, OrganizationNews
from diaspora.models.organization import (
    Category,
    Membership,
    Organization,
    OrganizationEdit,
    OrganizationLanguage,
    OrganizationReport,
    OrganizationRevision,
    organization_categories,
)
from diaspora.models.project import Project, ProjectReview
from diaspora.models.telegram import TelegramLink, TelegramLinkCode
from diaspora.models.user import User

__all__ = [
    "AlertSent",
    "AlertSubscription",
    "Category",
    "Contact",
    "ContactReport",
    "Delegation",
    "Event",
    "EventLetters",
    "EventPublication",
    "EventQuestion",
    "EventSession",
    "EventTeamMember",
    "GeocodeCache",
    "Guide",
    "GuideVersion",
    "HelpEvent",
    "HelpMessage",
    "HelpOffer",
    "HelpOfferLanguage",
    "HelpRequest",
    "HelpRoute",
    "Invitation",
    "Membership",
    "OfferFlag",
    "Organization",
    "OrganizationEdit",
    "OrganizationLanguage",
    "OrganizationMember",
    "OrganizationNews",
    "OrganizationReport",
    "OrganizationRevision",
    "OutboxAttachment",
    "OutboxMessage",
    "PeriodicJob",
    "Project",
    "ProjectReview",
    "Registration",
    "RegistrationSession",
    "SessionSpeaker",
    "Speaker",
    "TelegramLink",
    "TelegramLinkCode",
    "User",
    "organization_categories",
]
