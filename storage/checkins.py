"""Check-in schedules, their claimed runs (exactly-once), and topics for the next meeting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.claims import claim_and_commit
from storage.types import UTCDateTime, utcnow

# DigestRun.status values. A run moves claimed → posting → posted, or to retry (definitely
# not posted: try again later), unsure (the answer was lost: look before posting again),
# failed (gave up), missed (too late to be useful), coalesced (a newer run covered it).
RUN_CLAIMED = "claimed"
RUN_POSTING = "posting"
RUN_POSTED = "posted"
RUN_RETRY = "retry"
RUN_UNSURE = "unsure"
RUN_FAILED = "failed"
RUN_MISSED = "missed"
RUN_COALESCED = "coalesced"
PENDING_STATUSES = (RUN_CLAIMED, RUN_RETRY, RUN_UNSURE)


class CheckinSchedule(SQLModel, table=True):
    """A recurring vendor check-in: where and when its digest is posted."""

    __tablename__ = "checkin_schedule"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    channel_id: str = Field(max_length=32)
    spec: str = Field(max_length=200)  # "every:mon 09:00" or "cron:0 9 * * MON"
    timezone: str = Field(max_length=64)
    paused: bool = False
    # Fire times at or before this instant are never run (set on create, edit and resume).
    effective_from: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DigestRun(SQLModel, table=True):
    """One claimed firing of a schedule; the unique key makes each fire time run once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_time", name="uq_digest_run_fire"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="checkin_schedule.id", index=True)
    fire_time: datetime = Field(sa_type=UTCDateTime)
    manual: bool = False
    status: str = Field(default=RUN_CLAIMED, max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_id: str = Field(max_length=32)
    posted_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    claimed_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckinTopic(SQLModel, table=True):
    """A topic someone wants on the next check-in's agenda."""

    __tablename__ = "checkin_topic"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    text: str = Field(max_length=500)
    added_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when a posted digest carried the topic; it then leaves the agenda.
    run_id: int | None = Field(default=None, foreign_key="digest_run.id")


def get_schedule(session: Session, schedule_id: int) -> CheckinSchedule | None:
    """Return the schedule with this id."""
    return session.get(CheckinSchedule, schedule_id)


def list_schedules(
    session: Session, *, vendor_id: int | None = None, active_only: bool = False
) -> list[CheckinSchedule]:
    """Return schedules ordered by id, optionally one vendor's or only unpaused ones."""
    statement = select(CheckinSchedule).order_by(col(CheckinSchedule.id))
    if vendor_id is not None:
        statement = statement.where(col(CheckinSchedule.vendor_id) == vendor_id)
    if active_only:
        statement = statement.where(col(CheckinSchedule.paused).is_(False))
    return list(session.exec(statement))


def delete_schedule(session: Session, schedule: CheckinSchedule) -> None:
    """Delete a schedule with its run history."""
    for run in session.exec(select(DigestRun).where(col(DigestRun.schedule_id) == schedule.id)):
        for topic in session.exec(select(CheckinTopic).where(col(CheckinTopic.run_id) == run.id)):
            topic.run_id = None
            session.add(topic)
        session.flush()
        session.delete(run)
    session.flush()
    session.delete(schedule)
    session.flush()


def claim_run(
    session: Session,
    *,
    schedule: CheckinSchedule,
    fire_time: datetime,
    status: str = RUN_CLAIMED,
    manual: bool = False,
    claimed_by: str = "",
    lease_until: datetime | None = None,
) -> DigestRun | None:
    """Insert the run for (schedule, fire_time) and commit; None when another claimed it.

    `lease_until` keeps other replicas from resuming a claimed run its claimer is about to
    post; past it, the claimer is presumed dead.
    """
    run = DigestRun(
        schedule_id=schedule.id or 0,
        fire_time=fire_time,
        status=status,
        manual=manual,
        channel_id=schedule.channel_id,
        claimed_by=claimed_by[:64],
        next_attempt_at=lease_until,
    )
    return claim_and_commit(session, run)


def last_fire_time(session: Session, schedule_id: int) -> datetime | None:
    """Return the newest scheduled (not manual) fire time claimed for the schedule."""
    statement = select(func.max(DigestRun.fire_time)).where(
        col(DigestRun.schedule_id) == schedule_id, col(DigestRun.manual).is_(False)
    )
    value = session.exec(statement).one()
    return UTCDateTime().process_result_value(value, session.get_bind().dialect)


def take_run(
    session: Session, *, run: DigestRun, expected_status: str, now: datetime
) -> DigestRun | None:
    """Move `run` to posting if it is still in `expected_status`; commit; None if lost."""
    statement = (
        update(DigestRun)
        .where(
            col(DigestRun.id) == run.id,
            col(DigestRun.status) == expected_status,
            col(DigestRun.attempts) == run.attempts,
        )
        .values(status=RUN_POSTING, attempts=run.attempts + 1, updated_at=now)
    )
    result = session.exec(statement)
    session.commit()
    if int(result.rowcount or 0) != 1:
        return None
    session.refresh(run)
    return run


def finish_run(
    session: Session,
    *,
    run: DigestRun,
    status: str,
    now: datetime,
    posted_ts: str | None = None,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    """Record a run's outcome and commit."""
    run.status = status
    run.updated_at = now
    run.posted_ts = posted_ts or run.posted_ts
    run.error = error[:500] if error else None
    run.next_attempt_at = next_attempt_at
    session.add(run)
    session.commit()


def runs_to_resume(session: Session, *, now: datetime, stale_before: datetime) -> list[DigestRun]:
    """Return runs due another attempt: retries whose time came, and posts left hanging."""
    due = (col(DigestRun.status).in_(PENDING_STATUSES)) & (
        col(DigestRun.next_attempt_at).is_(None) | (col(DigestRun.next_attempt_at) <= now)
    )
    hanging = (col(DigestRun.status) == RUN_POSTING) & (col(DigestRun.updated_at) < stale_before)
    statement = select(DigestRun).where(due | hanging).order_by(col(DigestRun.fire_time))
    return list(session.exec(statement))


def recent_runs(session: Session, schedule_id: int, *, limit: int = 20) -> list[DigestRun]:
    """Return the schedule's newest runs first."""
    statement = (
        select(DigestRun)
        .where(col(DigestRun.schedule_id) == schedule_id)
        .order_by(col(DigestRun.fire_time).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def add_topic(
    session: Session, *, vendor_id: int, text: str, added_by: str, at: datetime
) -> CheckinTopic:
    """Put a topic on the vendor's next agenda, as added at `at` (the runtime's clock)."""
    topic = CheckinTopic(vendor_id=vendor_id, text=text, added_by=added_by, created_at=at)
    session.add(topic)
    session.flush()
    return topic


def open_topics(session: Session, vendor_id: int) -> list[CheckinTopic]:
    """Return topics not yet carried by a posted digest, oldest first."""
    statement = (
        select(CheckinTopic)
        .where(col(CheckinTopic.vendor_id) == vendor_id, col(CheckinTopic.run_id).is_(None))
        .order_by(col(CheckinTopic.id))
    )
    return list(session.exec(statement))


def close_topics(session: Session, *, vendor_id: int, run_id: int, upto: datetime) -> None:
    """Mark the vendor's open topics added up to `upto` as covered by run `run_id`."""
    for topic in open_topics(session, vendor_id):
        if topic.created_at <= upto:
            topic.run_id = run_id
            session.add(topic)
    session.flush()


def count_runs(session: Session, schedule_id: int, status: str) -> int:
    """Return how many of the schedule's runs are in `status`."""
    statement = select(func.count()).where(
        col(DigestRun.schedule_id) == schedule_id, col(DigestRun.status) == status
    )
    return int(session.exec(statement).one())
