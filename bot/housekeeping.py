"""Periodic clean-up on the scheduler: old dedupe keys and old fire-time claims go."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.scheduler import CheckinScheduler
from integrations.metrics import OpsMetrics
from storage.engine import SessionFactory, off_loop, unit_of_work
from storage.request_keys import purge_request_keys
from storage.scheduled_runs import purge_claims
from storage.types import utcnow

log = logging.getLogger("opsbot.housekeeping")

# Slack retries within minutes and Jira within hours; two days covers both with margin.
KEEP_REQUEST_KEYS = timedelta(days=2)
# A claim only has to outlive the catch-up grace of its job (at most a day or so).
KEEP_CLAIMS = timedelta(days=7)
INTERVAL_SECONDS = 3600.0
PURGE_JOB = "purge-request-keys"


def purge_once(sessions: SessionFactory, now: datetime | None = None) -> int:
    """Delete expired dedupe keys and fire-time claims; return how many keys went."""
    with unit_of_work(sessions) as session:
        removed = purge_request_keys(session, older_than=KEEP_REQUEST_KEYS)
        purge_claims(session, older_than=KEEP_CLAIMS, now=now or utcnow())
    return removed


async def purge_job(sessions: SessionFactory, metrics: OpsMetrics, now: datetime) -> int:
    """Scheduler step: `purge_once` on the worker pool, counted in the job metrics."""
    try:
        removed = await off_loop(sessions, purge_once, sessions, now)
    except Exception:
        metrics.jobs.labels("purge_request_keys", "error").inc()
        raise
    metrics.jobs.labels("purge_request_keys", "ok").inc()
    if removed:
        log.info("purged %d expired request keys", removed)
    return removed


def install_housekeeping(
    scheduler: CheckinScheduler | None,
    sessions: SessionFactory,
    metrics: OpsMetrics,
    *,
    interval: float = INTERVAL_SECONDS,
) -> None:
    """Run `purge_once` hourly as a claimed job on this process's scheduler, if it runs one.

    A process without the scheduler (OPSBOT_SCHEDULER=off) leaves it to the one that has it.
    """
    if scheduler is None:
        return
    scheduler.add_recurring(
        PURGE_JOB,
        lambda now: purge_job(sessions, metrics, now),
        every_seconds=interval,
        claimed=True,
    )
