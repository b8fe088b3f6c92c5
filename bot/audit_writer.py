"""Audit records written in batches after the answer, not one transaction per request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from integrations.metrics import OpsMetrics
from storage.audit import INSERT_BATCH, insert_events
from storage.engine import WorkerSessions, off_loop

log = logging.getLogger("opsbot.audit")
FLUSH_JOB = "audit-flush"


class AuditWriter:
    """Buffer audit rows and write them every `interval` seconds (and on shutdown).

    Writing each request's row in its own transaction cost more than the request itself;
    a crash may lose at most one interval of audit rows, never a Slack answer.
    """

    def __init__(
        self, sessions: WorkerSessions, metrics: OpsMetrics, *, interval: float = 0.5
    ) -> None:
        self._sessions = sessions
        self._engine = sessions.engine
        self._metrics = metrics
        self._pending: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._interval = interval
        self._scheduled = False
        self._timer: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def add(self, row: dict[str, Any]) -> None:
        """Queue one audit row."""
        self._pending.append(row)

    async def flush(self) -> None:
        """Write everything queued so far."""
        async with self._lock:
            rows, self._pending = self._pending, []
            while rows:
                batch, rows = rows[:INSERT_BATCH], rows[INSERT_BATCH:]
                try:
                    await off_loop(self._sessions, insert_events, self._engine, batch)
                except Exception:
                    # Keep what is unwritten for the next try rather than lose the trail of a
                    # database blip (each batch is one statement: written whole or not at all).
                    self._pending[:0] = batch + rows
                    self._metrics.jobs.labels("audit_flush", "error").inc()
                    unwritten = len(batch) + len(rows)
                    log.exception("writing %d audit rows failed; will retry", unwritten)
                    return

    def schedule_on(self, scheduler: Any) -> None:
        """Flush from this process's scheduler instead of a timer of its own.

        A local job, never claimed: each replica flushes its own buffer. A process without
        the scheduler (OPSBOT_SCHEDULER=off) keeps the timer.
        """
        self._scheduled = True
        scheduler.add_recurring(FLUSH_JOB, self._flush_step, every_seconds=self._interval)

    async def _flush_step(self, _now: object) -> None:
        await self.flush()

    async def start(self) -> None:
        """Start the periodic flush (unless the scheduler runs it)."""
        if not self._scheduled:
            self._stopping = asyncio.Event()
            self._timer = asyncio.get_running_loop().create_task(
                self._flush_every_interval(), name="audit-writer"
            )

    async def _flush_every_interval(self) -> None:
        # This process's own buffer, so a timer of its own: nothing here is claimed or shared.
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            await self.flush()  # never raises: a failed write is kept for the next one

    async def stop(self) -> None:
        """Stop the periodic flush and write what is left."""
        if self._timer is not None:
            # Not cancelled: a flush in a worker thread must return its connection first.
            self._stopping.set()
            await self._timer
            self._timer = None
        await self.flush()
