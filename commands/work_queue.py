"""A bounded queue for expensive work (why, chart, break-down, proposals): back-pressure.

Twenty clicks on a year-long break-down used to start twenty computations at once; they
took every database connection and starved the requests behind them. Here each job first
takes a place in the queue, without waiting: when the queue holds `size` jobs, or the user
already has `per_user` of them, `submit` raises `Busy` at once and the handler tells the
user so. At most `workers` jobs run at a time; the rest wait their turn off the ack path.

Use (the ack never waits on the queue: `submit` is a plain call)::

    try:
        work_queue.submit(user_id=user, name="kpi_why", work=explain, report=tell_user)
    except Busy as busy:
        ...  # busy.user_message: "busy, try again in a minute"

`Busy` is an OpsbotError, so a handler that lets it rise gets the ephemeral answer from the
one error path. A job's own failure reaches the user through `report` (commands.background).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from sqlmodel import Session

from commands.background import BackgroundTasks, ErrorReporter
from integrations.errors import OpsbotError
from integrations.metrics import OpsMetrics

log = logging.getLogger(__name__)

BUSY_MESSAGE = "I'm busy with other requests right now; try again in a minute."
Work = Callable[[], Awaitable[None]]


class Busy(OpsbotError):
    """The queue is full, or the user already has their share of it: try again later."""

    def __init__(self, message: str = BUSY_MESSAGE) -> None:
        super().__init__(message)


class WorkQueue:
    """Admit at most `size` jobs (`per_user` each) and run at most `workers` at once."""

    def __init__(
        self,
        background: BackgroundTasks,
        *,
        size: int,
        per_user: int,
        workers: int,
        metrics: OpsMetrics | None = None,
    ) -> None:
        if min(size, per_user, workers) < 1:
            raise ValueError("queue size, per-user cap and workers must be at least 1")
        self._background = background
        self._metrics = metrics
        self.size = size
        self.per_user = per_user
        self._running = asyncio.Semaphore(workers)
        self._held: Counter[str] = Counter()

    @property
    def admitted(self) -> int:
        """Return how many jobs are waiting or running."""
        return sum(self._held.values())

    def held_by(self, user_id: str) -> int:
        """Return how many of the user's jobs are waiting or running."""
        return self._held[user_id]

    def submit(
        self, *, user_id: str, name: str, work: Work, report: ErrorReporter | None = None
    ) -> None:
        """Queue `work` for `user_id`, or raise `Busy` at once; never waits.

        `name` labels the job in /metrics and logs; `report` tells the user of a failure.
        """
        if self.admitted >= self.size or self._held[user_id] >= self.per_user:
            log.info("work queue refused %s for %s (%d queued)", name, user_id, self.admitted)
            if self._metrics is not None:  # counted as the job's outcome in /metrics
                self._metrics.jobs.labels(name, "busy").inc()
            raise Busy()
        self._held[user_id] += 1

        async def job(_: Session) -> None:
            # The background job's session stays unused: the work opens short units of work
            # of its own, so no connection is held while it waits for a slot or on Slack.
            try:
                async with self._running:
                    await work()
            finally:
                self._release(user_id)

        self._background.spawn(name, job, report=report)

    def _release(self, user_id: str) -> None:
        self._held[user_id] -= 1
        if self._held[user_id] <= 0:
            del self._held[user_id]
