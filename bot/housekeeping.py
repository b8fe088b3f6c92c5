"""Periodic clean-up that every replica may run: old dedupe keys go after two days."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from commands.periodic import PeriodicTask
from storage.engine import unit_of_work
from storage.request_keys import purge_request_keys

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("opsbot.housekeeping")

# Slack retries within minutes and Jira within hours; two days covers both with margin.
KEEP_REQUEST_KEYS = timedelta(days=2)
INTERVAL_SECONDS = 3600.0


def purge_once(runtime: Runtime) -> int:
    """Delete expired dedupe keys; return how many went."""
    with unit_of_work(runtime.sessions) as session:
        return purge_request_keys(session, older_than=KEEP_REQUEST_KEYS)


def install_housekeeping(runtime: Runtime, *, interval: float = INTERVAL_SECONDS) -> None:
    """Run `purge_once` every `interval` seconds while the runtime is started."""

    async def purge() -> None:
        try:
            removed = await asyncio.to_thread(purge_once, runtime)
        except Exception:
            runtime.metrics.jobs.labels("purge_request_keys", "error").inc()
            raise
        runtime.metrics.jobs.labels("purge_request_keys", "ok").inc()
        if removed:
            log.info("purged %d expired request keys", removed)

    task = PeriodicTask("purge-request-keys", purge, interval=interval)
    runtime.on_startup.append(task.start)
    runtime.on_shutdown.append(task.stop)
