"""Models, one module per domain. Importing this package registers every table with the metadata."""
from diaspora.models.geocache import GeocodeCache
from diaspora.models.mail import OutboxMessage
from diaspora.models.organization import (
    Category,
    Membership,
    Organization,
    OrganizationLanguage,
    OrganizationReport,
    OrganizationRevision,
    organization_categories,
)
from diaspora.models.user import User

__all__ = [
    "Category",
    "GeocodeCache",
    "Membership",
    "Organization",
    "OrganizationLanguage",
    "OrganizationReport",
    "OrganizationRevision",
    "OutboxMessage",
    "User",
    "organization_categories",
]
