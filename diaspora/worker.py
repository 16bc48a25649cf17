"""`flask --app diaspora worker`: the one process that talks to slow or dead services, so that web
workers only write outbox rows in their transaction. Every WORKER_INTERVAL seconds it runs the periodic
jobs that are due (diaspora.jobs: reminders, retention) and sends what the outbox holds through each
configured sender (diaspora.mail.outbox).

When a server cannot be reached, the worker leaves that sender alone for a while (the interval, doubling
up to MAIL_OUTAGE_RETRY_MAX seconds) and the messages keep their place and their back-off: once the server
answers again, everything waiting goes out. SIGTERM or SIGINT stop it after the step in progress; a
message waiting on the network is released, to be sent by the next start, and a message the server has
accepted is recorded as sent, whenever the signal comes."""
import logging
import signal
import threading
import time
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from diaspora import jobs, unit_of_work
from diaspora.extensions import db
from diaspora.mail import outbox

log = logging.getLogger("diaspora.worker")


class Stopping:
    """Set by SIGTERM/SIGINT. Outside `interruptible()` the step in progress finishes first; inside it
    (the worker waits on the network, with no transaction open) the signal ends the wait.

    It ends it with `abort`, when given and it has a connection to shut down: the wait then fails with an
    error from the connection, and nothing is raised from the handler. So a signal that comes after the
    server accepted a letter (its send returned) but before the block is left costs nothing: the letter is
    recorded as sent. Without a connection (none yet: nothing can have been sent) the handler raises
    Interrupted."""

    def __init__(self):
        self.requested = False
        self.event = threading.Event()
        self._interruptible = False
        self._abort = None

    def request(self, signum=None, frame=None) -> None:
        self.requested = True
        self.event.set()
        if self._interruptible:
            if self._abort is not None and self._abort():
                return
            self._interruptible = False
            raise outbox.Interrupted()

    @contextmanager
    def interruptible(self, abort=None):
        """`abort()`: shut the connection down, True if there was one (called from the signal handler)."""
        if self.requested:
            raise outbox.Interrupted()
        self._abort = abort
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False
            self._abort = None

    def sleep(self, seconds: float) -> None:
        self.event.wait(seconds)


class Worker:
    def __init__(self, app, interval: float, stopping: Stopping | None = None, senders=None):
        self.app = app
        self.interval = interval
        self.stopping = stopping or Stopping()
        self.senders = senders if senders is not None else outbox.default_senders()
        self.outage_wait: dict[str, float] = {}  # sender name -> seconds to wait after the last failure
        self.retry_at: dict[str, float] = {}  # sender name -> time.monotonic() to try it again

    def run(self, once: bool = False) -> None:
        log.info("Worker started: every %g s; jobs: %s", self.interval, ", ".join(jobs.JOBS) or "none")
        while not self.stopping.requested:
            self.tick()
            if once:
                break
            self.stopping.sleep(self.interval)
        log.info("Worker stopped")

    def tick(self) -> None:
        with self.app.app_context():
            try:
                jobs.run_due()
            except Exception:  # the database is away, say: try again next time
                log.exception("Periodic jobs failed")
                unit_of_work.discard()
            for sender in self.senders:
                if self.stopping.requested:
                    break
                if not sender.configured() or time.monotonic() < self.retry_at.get(sender.name, 0):
                    continue
                try:
                    self.drain(sender)
                except Exception:
                    log.exception("Sending through %s failed", sender.name)
                    unit_of_work.discard()
            db.session.remove()

    def drain(self, sender) -> None:
        outcome = outbox.deliver_all(sender, stopping=self.stopping)
        if outcome.sent or outcome.failed or outcome.void:
            log.info("%s: sent %d, failed %d, void %d", sender.name, outcome.sent, outcome.failed, outcome.void)
        if outcome.unavailable:
            cap = float(current_app.config["MAIL_OUTAGE_RETRY_MAX"])
            wait = min(max(self.interval, 2 * self.outage_wait.get(sender.name, 0)), cap)
            self.outage_wait[sender.name] = wait
            self.retry_at[sender.name] = time.monotonic() + wait
            log.warning("%s: server unreachable (%s); messages wait, trying again in %g s",
                        sender.name, outcome.unavailable, wait)
        else:
            self.outage_wait.pop(sender.name, None)


@contextmanager
def _stopped_by_signals(stopping: Stopping):
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, stopping.request) for signum in handled}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.command("worker")
@click.option("--interval", type=click.FloatRange(min=0.01), default=None, metavar="SECONDS",
              help="How often to look for work (default: WORKER_INTERVAL, 5).")
@click.option("--once", is_flag=True, help="Run the due jobs, send what is due, and exit.")
@with_appcontext
def worker(interval: float | None, once: bool):
    """Send the outbox and run the periodic jobs (reminders, retention) until stopped (SIGTERM, Ctrl-C)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as the app
    app.logger.setLevel(logging.INFO)  # the worker says what it did; the app's logger prints it
    stopping = Stopping()
    with _stopped_by_signals(stopping):
        Worker(app, interval or app.config["WORKER_INTERVAL"], stopping).run(once=once)
