from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model


class PeriodicJob(Model):
    """When each of the worker's periodic jobs last ran and next runs: kept in the database so a restart
    does not run everything again, and claimed with a conditional UPDATE so two workers run it once."""

    __tablename__ = "periodic_jobs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set while a worker runs it; a worker that died mid-job leaves it to be claimed again after this
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
