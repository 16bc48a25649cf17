"""The moderators' mail about a reported contact: queued with the report's id, written when it is sent (what
is true then: a report already closed, or a contact deleted since, is not sent)."""
from diaspora import mail
from diaspora.extensions import db
from diaspora.models import ContactReport
from diaspora.urls import external_url


def compose(template: str, params: dict, message) -> mail.Composed | str:
    from diaspora.contacts.forms import problem_labels

    report = db.session.get(ContactReport, params.get("report_id") or 0)
    if report is None:
        return "the contact or its report is gone"
    if report.status != "open":
        return "the report was closed before the mail went out"
    return mail.Composed({"report": report, "contact": report.contact,
                          "problem": str(problem_labels().get(report.problem, report.problem)),
                          "link": external_url("contacts.moderation"),
                          "page": external_url("contacts.show", contact_id=report.contact_id)})
