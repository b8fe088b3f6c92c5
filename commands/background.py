"""Work that runs after the ack, each job with its own database session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlmodel import Session

from integrations.errors import OpsbotError
from integrations.metrics import OpsMetrics
from storage.engine import SessionFactory

log = logging.getLogger(__name__)

Job = Callable[[Session], Awaitable[None]]
ErrorReporter = Callable[[str], Awaitable[None]]


class BackgroundTasks:
    """Spawn post-ack jobs, report their failures to the user, and drain them on shutdown."""

    def __init__(self, sessions: SessionFactory, metrics: OpsMetrics) -> None:
        self._sessions = sessions
        self._metrics = metrics
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, name: str, job: Job, *, report: ErrorReporter | None = None) -> None:
        """Run `job` after the current request; failures are told through `report`."""
        task = asyncio.get_running_loop().create_task(self._run(name, job, report), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, job: Job, report: ErrorReporter | None) -> None:
        session = self._sessions()
        try:
            await job(session)
            session.commit()
            self._metrics.jobs.labels(name, "ok").inc()
        except OpsbotError as exc:
            session.rollback()
            self._metrics.jobs.labels(name, "refused").inc()
            await self._tell(report, exc.user_message)
        except Exception:
            session.rollback()
            self._metrics.jobs.labels(name, "error").inc()
            log.exception("background job %s failed", name)
            await self._tell(
                report, "Sorry, something went wrong while finishing that. It has been logged."
            )
        finally:
            session.close()

    async def _tell(self, report: ErrorReporter | None, message: str) -> None:
        if report is None:
            return
        try:
            await report(message)
        except Exception:
            log.exception("could not report a background failure to the user")

    async def drain(self) -> None:
        """Wait for every running job, including jobs they spawn (shutdown and tests)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
