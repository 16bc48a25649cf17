"""Periodic jobs, run by the worker (`flask worker`) instead of cron lines. Features register theirs
(`register("help-retention", timedelta(days=1), fn)`); each job's schedule is a row of periodic_jobs, so a
restarted worker does not run everything again, and a job is claimed with a conditional UPDATE, so two
workers started by mistake run it once. A worker that dies mid-job leaves the claim to expire."""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from diaspora.database import dialect_insert, rows_matched, utcnow
from diaspora.extensions import db
from diaspora.models import PeriodicJob
from diaspora.unit_of_work import transaction

log = logging.getLogger("diaspora.worker")
CLAIM_FOR = timedelta(minutes=30)  # a job still claimed after this is taken for dead and run again
RETRY_FAILED_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], Any]  # does its work (flushing only) as of `now`; returns a summary for the log


JOBS: dict[str, Job] = {}


def register(name: str, every: timedelta, run: Callable[[datetime], Any]) -> None:
    JOBS[name] = Job(name, every, run)


def _insert_missing(names: list[str], now: datetime) -> None:
    """A row per job, due now; two workers adding the same row at once is not an error."""
    dialect = db.session.get_bind().dialect.name
    rows = [{"name": name, "next_run_at": now} for name in names]
    db.session.execute(dialect_insert(dialect, PeriodicJob).values(rows)
                       .on_conflict_do_nothing(index_elements=["name"]))


def _claim(name: str, now: datetime) -> bool:
    with transaction():
        return rows_matched(
            update(PeriodicJob)
            .where(PeriodicJob.name == name, PeriodicJob.next_run_at <= now,
                   or_(PeriodicJob.claimed_until.is_(None), PeriodicJob.claimed_until < now))
            .values(claimed_until=now + CLAIM_FOR, started_at=now)
        ) == 1


def _due(now: datetime) -> list[Job]:
    """Jobs that look due (read only: claiming is the UPDATE's job)."""
    with transaction():
        rows = {row.name: row for row in db.session.execute(
            select(PeriodicJob.name, PeriodicJob.next_run_at, PeriodicJob.claimed_until))}
        missing = [name for name in JOBS if name not in rows]
        if missing:
            _insert_missing(missing, now)
    return [job for name, job in JOBS.items() if name in missing or (
        rows[name].next_run_at <= now and (rows[name].claimed_until is None or rows[name].claimed_until < now))]


def _finish(job: Job, now: datetime, result: str | None, error: str | None) -> None:
    with transaction():
        db.session.execute(update(PeriodicJob).where(PeriodicJob.name == job.name).values(
            next_run_at=now + (job.every if error is None else min(job.every, RETRY_FAILED_AFTER)),
            claimed_until=None, finished_at=utcnow(), last_result=result, last_error=error))


def run_due(now: datetime | None = None) -> dict[str, str]:
    """Run every job whose time has come and that no other worker holds. Returns what each one said."""
    now = now or utcnow()
    done = {}
    for job in _due(now):
        if not _claim(job.name, now):
            continue
        try:
            with transaction():
                result = job.run(now)
        except Exception as error:
            log.exception("Job %s failed", job.name)
            _finish(job, now, None, f"{type(error).__name__}: {error}"[:1000])
            done[job.name] = f"failed: {type(error).__name__}"
        else:
            summary = "" if result is None else str(result)[:1000]
            _finish(job, now, summary, None)
            log.info("Job %s: %s", job.name, summary)
            done[job.name] = summary
    return done
