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
"confirmed" (approved), "rejected", "promoted" (from the waitlist; `dropped`: titles of full sessions
it lost), "cancelled" (by the person). The events mail tells the person.""")
