"""Fire-time claims for periodic jobs, so each run happens once however many replicas fire it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, UniqueConstraint, col

from storage.claims import claim_and_commit
from storage.types import UTCDateTime, utcnow


class ScheduledRun(SQLModel, table=True):
    """One claimed firing of a periodic job (a pull, the key purge, a sweep, reminders)."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("job_id", "fire_time", name="uq_scheduled_run_fire"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=64)
    fire_time: datetime = Field(sa_type=UTCDateTime)
    instance: str = Field(max_length=64)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def claim_fire(session: Session, *, job_id: str, fire_time: datetime, instance: str) -> bool:
    """Insert the claim for (`job_id`, `fire_time`) and commit; False when it was taken."""
    claim = ScheduledRun(job_id=job_id, fire_time=fire_time, instance=instance)
    return claim_and_commit(session, claim) is not None


def release_fire(session: Session, *, job_id: str, fire_time: datetime) -> None:
    """Give a claim back (the run failed before it did anything), so a replica may retry."""
    session.execute(
        delete(ScheduledRun).where(
            col(ScheduledRun.job_id) == job_id, col(ScheduledRun.fire_time) == fire_time
        )
    )
    session.commit()


def purge_claims(session: Session, *, older_than: timedelta, now: datetime) -> int:
    """Delete claims older than `older_than`: a past fire time is never fired again."""
    result = session.execute(
        delete(ScheduledRun).where(col(ScheduledRun.fire_time) < now - older_than)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
