"""Periodic clean-up that every replica may run: old dedupe keys go after two days."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from commands.periodic import PeriodicTask
from integrations.metrics import OpsMetrics
from storage.engine import SessionFactory, unit_of_work
from storage.request_keys import purge_request_keys

log = logging.getLogger("opsbot.housekeeping")

# Slack retries within minutes and Jira within hours; two days covers both with margin.
KEEP_REQUEST_KEYS = timedelta(days=2)
INTERVAL_SECONDS = 3600.0


def purge_once(sessions: SessionFactory) -> int:
    """Delete expired dedupe keys; return how many went."""
    with unit_of_work(sessions) as session:
        return purge_request_keys(session, older_than=KEEP_REQUEST_KEYS)


def housekeeping_task(
    sessions: SessionFactory, metrics: OpsMetrics, *, interval: float = INTERVAL_SECONDS
) -> PeriodicTask:
    """Return the task that runs `purge_once` every `interval` seconds once started."""

    async def purge() -> None:
        try:
            removed = await asyncio.to_thread(purge_once, sessions)
        except Exception:
            metrics.jobs.labels("purge_request_keys", "error").inc()
            raise
        metrics.jobs.labels("purge_request_keys", "ok").inc()
        if removed:
            log.info("purged %d expired request keys", removed)

    return PeriodicTask("purge-request-keys", purge, interval=interval)
