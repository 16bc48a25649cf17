"""SQLite's writer lock (diaspora.database_locks) belongs to the app's own session: other sessions, of other
sessionmakers or engines, neither take nor release it."""
import threading

from sqlalchemy import event, text
from sqlalchemy.orm import Session


def test_the_writer_lock_listens_on_the_app_session_only(app):
    from diaspora import database_locks
    from diaspora.extensions import db

    with app.app_context():
        assert event.contains(db.session, "after_transaction_end", database_locks._release)
        assert not event.contains(Session, "after_transaction_end", database_locks._release)


def test_the_lock_is_released_when_the_transaction_ends(app, make_event):
    """Two writers one after the other, each in its own transaction: the second gets the lock at once."""
    from diaspora.events import locking, services
    from diaspora.extensions import db

    slug = make_event()
    done = []

    def write():
        with app.app_context():
            event_id = services.event_by_slug(slug).id
            locking.lock_event(event_id)
            db.session.commit()
            with Session(db.engine) as other:  # another session's transactions leave the lock alone
                other.execute(text("SELECT 1"))
                other.commit()
            locking.lock_event(event_id)
            db.session.rollback()
            done.append(True)

    threads = [threading.Thread(target=write, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert done == [True, True]
