"""The outbox worker: runs stored jobs by kind, retrying with backoff until they land or fail."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from integrations.metrics import OpsMetrics
from storage.engine import SessionFactory, in_worker
from storage.outbox import (
    OutboxJob,
    claim_jobs,
    complete_job,
    enqueue_job,
    fail_job,
    next_due_at,
    reschedule_job,
)
from storage.types import utcnow

log = logging.getLogger("opsbot.outbox")


class RetryLater(Exception):
    """Raised by a handler: try again, not before `retry_after` seconds when given."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GiveUp(Exception):
    """Raised by a handler: retrying cannot help, mark the job failed now."""


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the job's id, kind, payload and which attempt this is."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int

    @property
    def last_attempt(self) -> bool:
        """Tell whether a failure now marks the job failed."""
        return self.attempt >= self.max_attempts


Handler = Callable[[JobContext], Awaitable[None]]
# Called once a job has failed for good, with a message fit for the user who asked for it.
FailureHook = Callable[[JobContext, str], Awaitable[None]]


def unexpected_failure(job_id: int) -> str:
    """Say that a job broke on our side, naming the job; the exception itself is only logged."""
    return f"something went wrong on my side (job {job_id}; the details are logged)"


@dataclass
class OutboxPolicy:
    """Retry tuning: attempts, exponential backoff bounds, poll interval, lease, concurrency."""

    max_attempts: int = 8
    base_delay: float = 2.0
    max_delay: float = 600.0
    poll_interval: float = 5.0
    lease_seconds: float = 300.0
    concurrency: int = 4


@dataclass
class _Registration:
    handler: Handler
    on_failed: FailureHook | None = None


@dataclass
class OutboxWorker:
    """Poll the outbox table (and wake on enqueue), run due jobs with bounded concurrency."""

    sessions: SessionFactory
    metrics: OpsMetrics
    policy: OutboxPolicy = field(default_factory=OutboxPolicy)
    _handlers: dict[str, _Registration] = field(default_factory=dict)
    _wake: asyncio.Event | None = None
    _wake_loop: asyncio.AbstractEventLoop | None = None
    _task: asyncio.Task[None] | None = None
    _running: set[asyncio.Task[None]] = field(default_factory=set)
    # Claims in flight on a worker thread: their jobs are leased but not yet in _running.
    _claiming: int = 0
    _stopping: bool = False

    def register(
        self, kind: str, handler: Handler, *, on_failed: FailureHook | None = None
    ) -> None:
        """Route jobs of `kind` to `handler`; `on_failed` hears when one is given up on."""
        if kind in self._handlers:
            raise ValueError(f"outbox kind {kind} registered twice")
        self._handlers[kind] = _Registration(handler, on_failed)

    @property
    def kinds(self) -> list[str]:
        """Return the registered job kinds."""
        return sorted(self._handlers)

    def enqueue(
        self, session: Any, *, kind: str, payload: dict[str, Any], key: str, fresh: bool = False
    ) -> OutboxJob:
        """Store a job in the caller's transaction; call `wake()` after committing.

        `fresh`: the key names something created in this transaction, so it cannot exist yet.
        """
        if kind not in self._handlers:
            raise ValueError(f"no outbox handler for {kind}")
        return enqueue_job(session, kind=kind, payload=payload, idempotency_key=key, fresh=fresh)

    def wake(self) -> None:
        """Tell the worker new work is due (safe to call from any loop or thread)."""
        wake, loop = self._wake, self._wake_loop
        if wake is None or loop is None:
            return
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            wake.set()
        elif not loop.is_closed():
            # An asyncio.Event set from another thread would not wake its loop.
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        """Start polling in the background."""
        if self._task is not None:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        self._wake_loop = asyncio.get_running_loop()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="outbox")

    async def stop(self) -> None:
        """Stop polling and wait for the jobs in flight."""
        self._stopping = True
        if self._task is not None:
            self.wake()
            # The poll in progress finishes (its database work must not outlive the engine);
            # a poll stuck past the grace period is cancelled.
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 30.0)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self._wait_running(return_when=asyncio.ALL_COMPLETED)
        self._wake = None
        self._wake_loop = None

    async def _wait_running(self, *, return_when: str) -> None:
        """Wait for running jobs; those of another loop (a test draining a server's worker
        from its own loop) are polled, as asyncio cannot wait on another loop's tasks."""
        here = asyncio.get_running_loop()
        mine = {task for task in set(self._running) if task.get_loop() is here}
        if mine:
            await asyncio.wait(mine, return_when=return_when)
        elif self._running:
            await asyncio.sleep(0.05)

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                started = await self.run_due()
            except Exception:
                log.exception("outbox poll failed")
                started = 0
            if started:
                continue
            timeout = await self._sleep_for()
            assert self._wake is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()

    async def _sleep_for(self) -> float:
        due = await in_worker(self.sessions, next_due_at)
        if due is None:
            return self.policy.poll_interval
        seconds = (due - utcnow()).total_seconds()
        return min(self.policy.poll_interval, max(0.01, seconds))

    async def run_due(self) -> int:
        """Claim due jobs up to the free concurrency and start them; return how many."""
        free = self.policy.concurrency - len(self._running)
        if free <= 0:
            await self._wait_running(return_when=asyncio.FIRST_COMPLETED)
            return 0

        def claim(session: Session) -> list[JobContext]:
            jobs = claim_jobs(
                session,
                limit=free,
                lease=timedelta(seconds=self.policy.lease_seconds),
                kinds=self.kinds,
            )
            return [
                JobContext(j.id or 0, j.kind, dict(j.payload), j.attempts, self.policy.max_attempts)
                for j in jobs
            ]

        self._claiming += 1
        try:
            contexts = await in_worker(self.sessions, claim)
            for context in contexts:
                task = asyncio.get_running_loop().create_task(
                    self._run(context), name=f"outbox:{context.kind}:{context.id}"
                )
                self._running.add(task)
                task.add_done_callback(self._done)
        finally:
            self._claiming -= 1
        return len(contexts)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.wake()

    async def drain(self, *, within: float = 30.0, horizon: float = 0.0) -> None:
        """Run jobs until none is due within `horizon` seconds or running (tests, the CLI)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            started = await self.run_due()
            if self._running:
                await self._wait_running(return_when=asyncio.FIRST_COMPLETED)
                continue
            if started:
                continue
            if self._claiming:  # the poll loop holds leased jobs it has not started yet
                await asyncio.sleep(0.01)
                continue
            due = await in_worker(self.sessions, next_due_at)
            wait = (due - utcnow()).total_seconds() if due is not None else None
            if wait is None or wait > horizon:
                return
            await asyncio.sleep(max(0.0, min(wait, deadline - loop.time())))

    async def _run(self, context: JobContext) -> None:
        registration = self._handlers[context.kind]
        label = f"outbox:{context.kind}"
        try:
            await registration.handler(context)
        except GiveUp as exc:
            await self._give_up(context, registration, str(exc) or type(exc).__name__)
            return
        except RetryLater as exc:
            await self._retry(context, registration, str(exc), exc.retry_after)
            return
        except Exception as exc:
            log.exception("outbox job %s (%s) failed", context.id, context.kind)
            # GiveUp and RetryLater carry our own words; any other exception's text is for
            # the log and `opsbot outbox`, never for the user (KeyError: 'statusCategory').
            await self._retry(
                context,
                registration,
                f"{type(exc).__name__}: {exc}",
                None,
                shown=unexpected_failure(context.id),
            )
            return
        await in_worker(self.sessions, lambda session: complete_job(session, context.id))
        self.metrics.jobs.labels(label, "ok").inc()

    async def _retry(
        self,
        context: JobContext,
        registration: _Registration,
        error: str,
        retry_after: float | None,
        *,
        shown: str | None = None,
    ) -> None:
        if context.last_attempt:
            await self._give_up(context, registration, error, shown=shown)
            return
        delay = self.backoff(context.attempt, retry_after)
        next_at = utcnow() + timedelta(seconds=delay)
        await in_worker(
            self.sessions,
            lambda session: reschedule_job(session, context.id, error=error, next_at=next_at),
        )
        self.metrics.jobs.labels(f"outbox:{context.kind}", "retry").inc()
        log.info("outbox job %s retry in %.2fs: %s", context.id, delay, error)

    async def _give_up(
        self,
        context: JobContext,
        registration: _Registration,
        error: str,
        *,
        shown: str | None = None,
    ) -> None:
        await in_worker(self.sessions, lambda session: fail_job(session, context.id, error=error))
        self.metrics.jobs.labels(f"outbox:{context.kind}", "failed").inc()
        log.warning("outbox job %s (%s) failed for good: %s", context.id, context.kind, error)
        if registration.on_failed is not None:
            try:
                await registration.on_failed(context, shown or error)
            except Exception:
                log.exception("outbox failure hook for job %s failed", context.id)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Return the delay before the next attempt: full-jitter exponential, >= Retry-After."""
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2 ** max(0, attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, max(self.policy.max_delay, retry_after or 0.0))
