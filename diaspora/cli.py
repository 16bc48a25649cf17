"""`flask --app diaspora ...` commands. Each one calls the same services as the web views."""


def register(app) -> None:
    from diaspora.alerts.cli import send_alerts
    from diaspora.assistance.cli import help_retention, set_coordinator
    from diaspora.auth.cli import create_admin
    from diaspora.contacts.cli import seed_contacts
    from diaspora.demo import seed_demo
    from diaspora.directory.cli import export_organizations, import_organizations, remind_owners
    from diaspora.events.cli import create_event, send_reminders
    from diaspora.geo.cli import build_gazetteer
    from diaspora.mail.cli import send_mail
    from diaspora.worker import worker

    for command in (create_admin, import_organizations, export_organizations, seed_demo, build_gazetteer, send_mail,
                    create_event, send_reminders, help_retention, set_coordinator, seed_contacts, worker,
                    remind_owners, send_alerts):
        app.cli.add_command(command)
