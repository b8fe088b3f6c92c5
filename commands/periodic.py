"""A coroutine run every N seconds while the process runs; one failure never stops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("opsbot.periodic")


class PeriodicTask:
    """Run `step` now and then every `interval` seconds between `start()` and `stop()`.

    Each feature's loop (audit flush, dedupe-key purge, KPI pull, team summary) is one of
    these, so start/stop and error handling are written once.
    """

    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], *, interval: float
    ) -> None:
        self.name = name
        self._step = step
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._step()
            except Exception:
                log.exception("%s failed; next try in %.0f s", self.name, self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def start(self) -> None:
        """Start the loop on the running event loop."""
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def stop(self, *, grace: float = 30.0) -> None:
        """Let the step in progress finish, then end the loop.

        A step may be waiting on a worker thread that holds a database connection; cancelling
        it would leave the thread to return that connection to an engine already disposed.
        """
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
