"""The directory of associations: entries, their admins and invitations, moderation of changes, search."""


def init_app(app) -> None:
    """The feature's mail and its part of the account page."""
    from diaspora.auth.routes import add_account_section
    from diaspora.directory import freshness, invitations, members, services

    invitations.init_app(app)
    members.init_app(app)
    freshness.init_app(app)
    add_account_section("directory/account_section.html",
                        lambda user: {"organizations": services.organizations_of(user),
                                      "joined": members.joined(user)})
