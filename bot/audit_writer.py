"""Audit records written in batches after the answer, not one transaction per request."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.engine import Engine

from commands.periodic import PeriodicTask
from integrations.metrics import OpsMetrics
from storage.audit import insert_events

log = logging.getLogger("opsbot.audit")


class AuditWriter:
    """Buffer audit rows and write them every `interval` seconds (and on shutdown).

    Writing each request's row in its own transaction cost more than the request itself;
    a crash may lose at most one interval of audit rows, never a Slack answer.
    """

    def __init__(self, engine: Engine, metrics: OpsMetrics, *, interval: float = 0.5) -> None:
        self._engine = engine
        self._metrics = metrics
        self._pending: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._periodic = PeriodicTask("audit-writer", self.flush, interval=interval)

    def add(self, row: dict[str, Any]) -> None:
        """Queue one audit row."""
        self._pending.append(row)

    async def flush(self) -> None:
        """Write everything queued so far."""
        async with self._lock:
            rows, self._pending = self._pending, []
            if not rows:
                return
            try:
                await asyncio.to_thread(insert_events, self._engine, rows)
            except Exception:
                # Keep them for the next try rather than lose the trail of a database blip.
                self._pending[:0] = rows
                self._metrics.jobs.labels("audit_flush", "error").inc()
                log.exception("writing %d audit rows failed; will retry", len(rows))

    async def start(self) -> None:
        """Start the periodic flush."""
        await self._periodic.start()

    async def stop(self) -> None:
        """Stop the periodic flush and write what is left."""
        await self._periodic.stop()
        await self.flush()
