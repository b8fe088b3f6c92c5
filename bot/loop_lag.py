"""Event-loop lag: how late the loop wakes a short timer, in /metrics and in the log.

One blocking call on the loop (a synchronous query, a lock wait, a long computation) delays
every request, `/healthz` included. A timer that should wake every `interval` seconds and wakes
late measures exactly that delay, whatever caused it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import Histogram

log = logging.getLogger("opsbot.loop")

SAMPLE_SECONDS = 0.1
STALL_WARNING_SECONDS = 0.25


class LoopLagMonitor:
    """Sample the running loop's lag into `histogram`; log a warning for each long stall."""

    def __init__(
        self,
        histogram: Histogram,
        *,
        interval: float = SAMPLE_SECONDS,
        warn_after: float = STALL_WARNING_SECONDS,
    ) -> None:
        self.histogram = histogram
        self.interval = interval
        self.warn_after = warn_after
        self.worst = 0.0  # the longest stall seen, for tests and the shutdown log
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._sample(), name="loop-lag")

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.record(loop.time() - due)

    def record(self, lag: float) -> None:
        """Count one sample of `lag` seconds; warn when it is a stall."""
        lag = max(lag, 0.0)
        self.histogram.observe(lag)
        self.worst = max(self.worst, lag)
        if lag > self.warn_after:
            log.warning("event loop stalled for %.0f ms", lag * 1000)
