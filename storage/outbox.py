"""Durable outbox: work for Jira and Slack stored first, done later, retried until it lands."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, or_, update
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
STATUSES = (PENDING, RUNNING, DONE, FAILED)


class OutboxJob(SQLModel, table=True):
    """One unit of outbound work; the idempotency key makes enqueueing it twice a no-op."""

    __tablename__ = "outbox_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(max_length=255, unique=True)
    status: str = Field(default=PENDING, max_length=16, index=True)
    attempts: int = 0
    # For a running job this is its lease: past it, a crashed worker's job is claimed again.
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def enqueue_job(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    run_at: datetime | None = None,
    fresh: bool = False,
) -> OutboxJob:
    """Add a job in the caller's transaction (flushed); an existing key returns that job.

    `fresh` says the key cannot exist yet (it names a row created in this transaction):
    no look-up, and the insert waits for the caller's commit.
    """
    if not fresh:
        existing = job_by_key(session, idempotency_key)
        if existing is not None:
            return existing
    json.dumps(payload)  # refuse what the column could not store, before the flush
    job = OutboxJob(
        kind=kind,
        payload=payload,
        idempotency_key=idempotency_key,
        next_attempt_at=run_at or utcnow(),
    )
    # A concurrent enqueue of the same key fails the caller's flush (unique key): the
    # caller's whole unit of work rolls back and the winner's job stands for both.
    session.add(job)
    if not fresh:
        session.flush()
    return job


def job_by_key(session: Session, idempotency_key: str) -> OutboxJob | None:
    """Return the job with this idempotency key, if any."""
    statement = select(OutboxJob).where(col(OutboxJob.idempotency_key) == idempotency_key)
    return session.exec(statement).first()


def get_job(session: Session, job_id: int) -> OutboxJob | None:
    """Return one job by id."""
    return session.get(OutboxJob, job_id)


def _claimable(now: datetime) -> Any:
    return or_(
        (col(OutboxJob.status) == PENDING) & (col(OutboxJob.next_attempt_at) <= now),
        # A running job whose lease ran out belongs to a worker that died.
        (col(OutboxJob.status) == RUNNING) & (col(OutboxJob.next_attempt_at) <= now),
    )


def claim_jobs(
    session: Session, *, limit: int, lease: timedelta, kinds: list[str] | None = None
) -> list[OutboxJob]:
    """Atomically take up to `limit` due jobs (running, lease set, attempts+1) and commit."""
    now = utcnow()
    statement = select(OutboxJob).where(_claimable(now))
    if kinds is not None:
        statement = statement.where(col(OutboxJob.kind).in_(kinds))
    statement = statement.order_by(col(OutboxJob.next_attempt_at), col(OutboxJob.id)).limit(limit)
    claimed: list[OutboxJob] = []
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
        for job in session.exec(statement).all():
            job.status, job.attempts = RUNNING, job.attempts + 1
            job.next_attempt_at, job.updated_at = now + lease, now
            session.add(job)
            claimed.append(job)
        session.commit()
        return claimed
    candidates = list(session.scalars(statement.with_only_columns(col(OutboxJob.id))).all())
    if not candidates:
        session.commit()
        return []
    lease_until = now + lease
    # One conditional UPDATE: its WHERE repeats the claim condition, so of two racing
    # workers only one moves each row; the exact lease stamp tells this claimer's rows apart.
    session.execute(
        update(OutboxJob)
        .where(col(OutboxJob.id).in_(candidates))
        .where(_claimable(now))
        .values(
            status=RUNNING,
            attempts=col(OutboxJob.attempts) + 1,
            next_attempt_at=lease_until,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    won = select(OutboxJob).where(
        col(OutboxJob.id).in_(candidates),
        col(OutboxJob.status) == RUNNING,
        col(OutboxJob.next_attempt_at) == lease_until,
    )
    claimed = list(session.exec(won.execution_options(populate_existing=True)).all())
    return sorted(claimed, key=lambda job: (job.next_attempt_at, job.id or 0))


def complete_job(session: Session, job_id: int) -> None:
    """Mark a job done."""
    _finish(session, job_id, status=DONE, error=None, next_at=None)


def reschedule_job(session: Session, job_id: int, *, error: str, next_at: datetime) -> None:
    """Put a job back to pending for another attempt at `next_at`."""
    _finish(session, job_id, status=PENDING, error=error, next_at=next_at)


def fail_job(session: Session, job_id: int, *, error: str) -> None:
    """Give up on a job; it stays visible (and retryable) as failed."""
    _finish(session, job_id, status=FAILED, error=error, next_at=None)


def _finish(
    session: Session, job_id: int, *, status: str, error: str | None, next_at: datetime | None
) -> None:
    job = session.get(OutboxJob, job_id, populate_existing=True)
    if job is None:
        return
    now = utcnow()
    job.status, job.updated_at = status, now
    job.last_error = error[:2000] if error else job.last_error if status != DONE else None
    if next_at is not None:
        job.next_attempt_at = next_at
    if status in (DONE, FAILED):
        job.finished_at = now
    session.add(job)
    session.commit()


def retry_job(session: Session, job_id: int) -> OutboxJob | None:
    """Make a failed or pending job due now with a fresh attempt budget; None if unknown."""
    job = session.get(OutboxJob, job_id)
    if job is None:
        return None
    if job.status == DONE:
        raise ValueError(f"job {job_id} is already done")
    now = utcnow()
    job.status, job.attempts, job.next_attempt_at = PENDING, 0, now
    job.updated_at, job.finished_at = now, None
    session.add(job)
    session.commit()
    return job


def list_jobs(
    session: Session, *, statuses: tuple[str, ...] = (PENDING, RUNNING, FAILED), limit: int = 100
) -> list[OutboxJob]:
    """Return jobs in these statuses, oldest first."""
    statement = (
        select(OutboxJob)
        .where(col(OutboxJob.status).in_(statuses))
        .order_by(col(OutboxJob.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def next_due_at(session: Session) -> datetime | None:
    """Return when the earliest pending or leased job becomes due."""
    statement = (
        select(OutboxJob.next_attempt_at)
        .where(col(OutboxJob.status).in_((PENDING, RUNNING)))
        .order_by(col(OutboxJob.next_attempt_at))
        .limit(1)
    )
    return session.exec(statement).first()
