"""Weekly team-summary runs, claimed by fire time so each week posts exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from storage.claims import claim_and_commit
from storage.types import UTCDateTime, utcnow

CLAIMED, POSTED, FAILED = "claimed", "posted", "failed"


class TeamSummaryRun(SQLModel, table=True):
    """One firing of the team summary; the unique fire time makes replicas post once."""

    __tablename__ = "team_summary_run"

    id: int | None = Field(default=None, primary_key=True)
    fire_time: datetime = Field(sa_type=UTCDateTime, unique=True)
    channel_id: str = Field(max_length=32)
    status: str = Field(default=CLAIMED, max_length=16)
    posted_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def claim_summary_run(
    session: Session, *, fire_time: datetime, channel_id: str
) -> TeamSummaryRun | None:
    """Insert the run for `fire_time` and commit; None when another process claimed it."""
    return claim_and_commit(session, TeamSummaryRun(fire_time=fire_time, channel_id=channel_id))


def finish_summary_run(
    session: Session, run: TeamSummaryRun, *, status: str, posted_ts: str | None, error: str | None
) -> None:
    """Record the run's outcome and commit."""
    run.status, run.posted_ts = status, posted_ts
    run.error = error[:500] if error else None
    session.add(run)
    session.commit()


def latest_summary_run(session: Session) -> TeamSummaryRun | None:
    """Return the newest claimed run."""
    statement = select(TeamSummaryRun).order_by(col(TeamSummaryRun.fire_time).desc())
    return session.exec(statement).first()
