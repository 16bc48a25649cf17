"""What features announce, for other features to act on (blinker, as Flask ships it; Indico's model).

The announcing module imports only this one, never its listeners; a feature connects its receivers in its
own `init_app` (called by create_app). Receivers run at once, inside the announcer's transaction: what
they write is committed, or rolled back, with it. What must wait for the commit uses
diaspora.unit_of_work.after_commit."""
from blinker import Namespace

_signals = Namespace()

organization_unpublished = _signals.signal("organization-unpublished", doc="""
An association left the directory (rejected after being published, or deleted). Sender: its id.
Mutual help gives back the requests it accepted and stops routing new ones to it.""")

registration_changed = _signals.signal("registration-changed", doc="""
A registration's status changed after it was made. Sender: the Registration; `change` says how:
"confirmed" (approved), "rejected", "promoted" (from the waitlist; a full session it chose is kept, waiting:
events.session_seats), "cancelled" (with `by`: "person", or "delegation_head" for a member cancelled by
their delegation's head). The events mail tells the person (and a delegation's head, of a member who
cancelled on their own); Telegram stops the chats linked to a cancelled registration.""")

help_request_news = _signals.signal("help-request-news", doc="""
The person who asked for help has news of their request: the same moments they get mail for. Sender: the
HelpRequest; `news` says what: "request_accepted", "request_in_progress", "request_resolved", "request_returned",
"request_reminder", "request_closed", "message_for_person" (with `message_id`, the association's message)
... and details such as `organization_id`. Telegram passes it on to a linked chat.""")

help_request_forgotten = _signals.signal("help-request-forgotten", doc="""
A request's personal data were removed (the person deleted it, or the retention period ended). Sender: the
request's id. Whoever keeps more about the person (a linked Telegram chat) removes it too.""")

project_decided = _signals.signal("project-decided", doc="""
Organizers accepted or declined a project proposal. Sender: the Project; `decision`: "accepted" or "declined".
The events mail tells the author, in the language they registered in.""")
session_seated = _signals.signal("session-seated", doc="""
A person waiting for a programme session got a seat in it (a seat freed, or the session grew). Sender: the
Registration; `session_id`: the session. The events mail tells the person.""")

alert_digest_queued = _signals.signal("alert-digest-queued", doc="""
An alert subscription's digest was queued (its mail). Sender: the AlertSubscription; `items`: what is in it,
{topic: [ids]}. Telegram sends the same to the chats linked to the subscription.""")

event_published = _signals.signal("event-published", doc="""
An event was published (from a draft). Sender: the Event. Alerts note when, for the digests.""")

organization_page = _signals.signal("organization-page", doc="""
An association's public page is being shown. Sender: the Organization. A receiver returns what its feature
adds to the page, a `PageSection` (its template and that template's context), or None; the page shows them
in their `order`. Events add the upcoming events and their calendar feed; mutual help, the offers.""")


class PageSection:
    """A part another feature adds to a page: `template` rendered with `context`, placed by `order`."""

    def __init__(self, template: str, order: int = 100, **context):
        self.template, self.order, self.context = template, order, context


def page_sections(signal, sender) -> list[PageSection]:
    """What the receivers of `signal` returned for `sender`, in order."""
    found = [result for _receiver, result in signal.send(sender) if isinstance(result, PageSection)]
    return sorted(found, key=lambda section: section.order)
