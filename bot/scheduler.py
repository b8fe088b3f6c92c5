"""The scheduler: APScheduler 3 (asyncio), the one scheduler for all periodic work.

`checkin_schedule` is the source of truth for check-ins; APScheduler holds one job per
schedule (`checkin:<id>`) so digests fire on the second, and a sweep job every 30 s re-syncs
the jobs, catches up missed fire times and resumes retries. Whatever fires, the claim table
decides who posts, so several scheduler processes may share one database. Jobs reach the
runner through our own executor: the job store keeps only the schedule id, never a reference
to live objects.

Other periodic work registers with `add_recurring` and runs on the same scheduler, from an
in-memory job store (a live callable, rebuilt at every start): the weekly team summary (which
claims its own fire times in `team_summary_run`), and, with `claimed=True`, the KPI pull, the
dedupe-key purge, the KPI rule sweep, action reminders, and the work families declare in the
runtime's `recurring_work` (commands/periodic.py: the assessment and Service Cloud pulls, the
training nudge sweep; bot/runtime.py registers them). A claimed job's fire times lie on a
grid shared by every replica (interval steps from CLAIM_ANCHOR); a run first inserts
`(job, fire time)` into `scheduled_run` under a unique constraint and only the claimer runs
it. Process-local work (the audit flush of this process's buffer) uses `local=True`: no
claim, since each replica has its own buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.base import BaseExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from commands.actions.reminders import send_action_reminders
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.runner import CheckinRunner
from integrations.errors import SlackUnavailable
from integrations.slack_directory import SlackDirectory
from storage.checkins import CheckinSchedule, list_schedules
from storage.engine import SessionFactory, in_worker, off_loop
from storage.migrate import pending_heads
from storage.scheduled_runs import claim_fire, release_fire
from storage.types import utcnow

log = logging.getLogger("opsbot.scheduler")

JOB_PREFIX = "checkin:"
SWEEP_JOB = "sweep"
SWEEP_SECONDS = 30
JOBSTORE_TABLE = "scheduler_job"
START_RETRY_SECONDS = 15.0
STOP_TIMEOUT = 20.0  # seconds a stopping process gives in-flight digests to finish
RECURRING_STORE = "recurring"
REMINDERS_JOB = "action-reminders"
CATCH_UP = ":catch-up"
REMINDER_SECONDS = 60.0
# Interval jobs count their fire times from here, so every replica fires (and claims) the
# same instants whenever it started: a Monday, midnight UTC.
CLAIM_ANCHOR = datetime(2000, 1, 3, tzinfo=UTC)


@dataclass(frozen=True)
class RecurringJob:
    """In-process scheduled work: `step(now)` at the trigger's fire times, and once at start.

    `every` is set for interval jobs; with `claimed`, each fire time (floored onto the shared
    grid) runs on one replica only.
    """

    job_id: str
    step: Callable[[datetime], Awaitable[object]]
    trigger: BaseTrigger
    every: timedelta | None = None
    claimed: bool = False

    def fire_time(self, run_time: datetime) -> datetime:
        """Return the grid fire time `run_time` belongs to (a late or start-up run included)."""
        if self.every is None:
            return run_time
        steps = (run_time - CLAIM_ANCHOR) // self.every
        return CLAIM_ANCHOR + steps * self.every


class CheckinTrigger(BaseTrigger):  # type: ignore[misc]
    """Fire times of one schedule, from our recurrence (pickled as spec and zone only)."""

    def __init__(self, spec: str, timezone: str) -> None:
        self.spec = spec
        self.timezone = timezone

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """Return the next fire time after the previous one (or from now)."""
        recurrence = recurrence_from_spec(self.spec, self.timezone)
        start = previous_fire_time or now - timedelta(microseconds=1)
        return recurrence.next_after(start)

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "spec": self.spec, "timezone": self.timezone}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.spec = state["spec"]
        self.timezone = state["timezone"]

    def __str__(self) -> str:
        return f"checkin[{self.spec} {self.timezone}]"


def checkin_job(schedule_id: int) -> None:
    """Stand-in callable stored with each job; CheckinExecutor runs the real work."""
    raise RuntimeError("check-in jobs run through CheckinExecutor")


class CheckinExecutor(BaseExecutor):  # type: ignore[misc]
    """Run check-in and sweep jobs as tasks on the scheduler's loop, via the service."""

    def __init__(self, service: CheckinScheduler) -> None:
        super().__init__()
        self._service = service
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, scheduler: Any, alias: str) -> None:
        super().start(scheduler, alias)
        self._loop = scheduler._eventloop

    def shutdown(self, wait: bool = True) -> None:
        """Let running jobs finish (see `drain`): a cancelled post would leave its run unsure."""

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for running jobs, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        async def run() -> None:
            try:
                await self._service.run_job(job.id, run_times)
            except Exception:
                self._run_job_error(job.id, *sys.exc_info()[1:])
                return
            events = [
                JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, job._jobstore_alias, t)
                for t in run_times
            ]
            self._run_job_success(job.id, events)

        task = self._loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class SchedulerHost(Protocol):
    """What the scheduler needs of the runtime (bot.runtime.Runtime has it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def sessions(self) -> SessionFactory: ...
    @property
    def directory(self) -> SlackDirectory: ...
    @property
    def slack(self) -> AsyncWebClient: ...


class CheckinScheduler:
    """Owns the APScheduler instance and keeps its jobs in step with the schedule table."""

    def __init__(self, runtime: SchedulerHost, runner: CheckinRunner) -> None:
        self.runtime = runtime
        self.runner = runner
        self.scheduler: AsyncIOScheduler | None = None
        self.executor: CheckinExecutor | None = None
        self._starter: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._resync_pending = False
        self._resyncs: set[asyncio.Task[None]] = set()
        self.recurring: dict[str, RecurringJob] = {}

    def add_recurring(
        self,
        job_id: str,
        step: Callable[[datetime], Awaitable[object]],
        *,
        every_seconds: float | None = None,
        spec: tuple[str, str] | None = None,
        claimed: bool = False,
    ) -> None:
        """Run `step(now)` every N seconds or on a schedule spec `(spec, zone)`, from start.

        With `claimed`, each fire time runs once across replicas (see the module docstring).
        May be called before or after the scheduler started.
        """
        if (every_seconds is None) == (spec is None):
            raise ValueError("give every_seconds or spec")
        if every_seconds is not None:
            every = timedelta(seconds=every_seconds)
            trigger: BaseTrigger = IntervalTrigger(
                seconds=every_seconds, start_date=CLAIM_ANCHOR, timezone="UTC"
            )
        else:
            every, trigger = None, CheckinTrigger(*spec)  # type: ignore[misc]
        job = RecurringJob(job_id, step, trigger, every=every, claimed=claimed)
        self.recurring[job_id] = job
        if self.scheduler is not None:
            self._add_recurring_job(job)

    async def start(self) -> None:
        """Start in the background once the database is reachable and migrated."""
        self._starter = asyncio.get_running_loop().create_task(
            self._start_when_ready(), name="checkin-scheduler-start"
        )

    async def _start_when_ready(self) -> None:
        # The HTTP server must come up (and /readyz say why) even when the database is down
        # or migrations are pending; the scheduler follows as soon as it can run.
        while not self._stopping.is_set():
            try:
                pending = await off_loop(self.runtime.sessions, pending_heads, self.runtime.engine)
            except SQLAlchemyError as exc:
                log.warning("check-in scheduler waiting for the database: %s", type(exc).__name__)
            else:
                if self._stopping.is_set():
                    return
                if not pending:
                    self._start_now()
                    return
                log.warning("check-in scheduler waiting for migrations: %s", sorted(pending))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=START_RETRY_SECONDS)

    def _start_now(self) -> None:
        """Start APScheduler, sync jobs, and catch up on what was missed while down."""
        grace = int(self.runner.grace.total_seconds()) or 1
        self.executor = CheckinExecutor(self)
        scheduler = AsyncIOScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.runtime.engine, tablename=JOBSTORE_TABLE),
                RECURRING_STORE: MemoryJobStore(),
            },
            executors={"default": self.executor},
            job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
            timezone="UTC",
        )
        self.scheduler = scheduler
        scheduler.start()
        self.request_resync()
        scheduler.add_job(
            checkin_job,
            "interval",
            args=[0],
            id=SWEEP_JOB,
            seconds=SWEEP_SECONDS,
            replace_existing=True,
            next_run_time=utcnow(),  # the start-up catch-up
        )
        for job in self.recurring.values():
            self._add_recurring_job(job)
        self.runner.change_listeners.append(self.request_resync)

    def _add_recurring_job(self, job: RecurringJob) -> None:
        assert self.scheduler is not None
        for job_id, trigger in ((job.job_id, job.trigger), (job.job_id + CATCH_UP, "date")):
            # The start-up catch-up is a one-off job of its own: run as the job's first fire
            # it would shift an interval job's later fires off the grid the replicas share.
            self.scheduler.add_job(
                checkin_job,
                trigger,
                args=[0],
                id=job_id,
                jobstore=RECURRING_STORE,
                replace_existing=True,
                **({"run_date": utcnow()} if trigger == "date" else {}),
            )

    async def stop(self) -> None:
        """Stop firing; jobs stay in the store for the next start."""
        self._stopping.set()
        if self._starter is not None:
            # Not cancelled: a database check in its worker thread must finish before the
            # engine is disposed.
            await self._starter
        if self.runner.change_listeners.count(self.request_resync):
            self.runner.change_listeners.remove(self.request_resync)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.executor is not None:
            await self.executor.drain(grace_seconds=STOP_TIMEOUT)
        self.scheduler = None

    def request_resync(self) -> None:
        """Re-read the schedule table soon (called after a /checkin change)."""
        if self.scheduler is None or self._resync_pending:
            return
        self._resync_pending = True
        task = asyncio.get_running_loop().create_task(self.resync(), name="checkin-resync")
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    async def resync(self) -> None:
        """Make the job store hold exactly one job per active schedule, with its trigger."""
        self._resync_pending = False
        if self.scheduler is None:
            return
        schedules = await in_worker(
            self.runtime.sessions, lambda session: list_schedules(session, active_only=True)
        )
        # The job store is a table too: its reads and writes go to a worker thread as well.
        await off_loop(self.runtime.sessions, self._apply_schedules, schedules)

    def _apply_schedules(self, schedules: list[CheckinSchedule]) -> None:
        scheduler = self.scheduler
        if scheduler is None:
            return
        wanted = {f"{JOB_PREFIX}{s.id}": s for s in schedules}
        for job in scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                scheduler.remove_job(job.id)
        for job_id, schedule in wanted.items():
            existing = scheduler.get_job(job_id)
            trigger = existing.trigger if existing is not None else None
            if isinstance(trigger, CheckinTrigger) and (trigger.spec, trigger.timezone) == (
                schedule.spec,
                schedule.timezone,
            ):
                continue
            scheduler.add_job(
                checkin_job,
                CheckinTrigger(schedule.spec, schedule.timezone),
                args=[schedule.id],
                id=job_id,
                replace_existing=True,
            )

    async def run_job(self, job_id: str, run_times: list[datetime]) -> None:
        """Do what a job stands for: one schedule's due runs, or the sweep."""
        now = self.runner.clock()
        if job_id == SWEEP_JOB:
            await self.sweep(now=now)
            return
        if (recurring := self.recurring.get(job_id.removesuffix(CATCH_UP))) is not None:
            await self._run_recurring(recurring, run_times, now=now)
            return
        schedule_id = int(job_id.removeprefix(JOB_PREFIX))
        run_ids = await off_loop(
            self.runtime.sessions, self.runner.reconcile, now=now, schedule_ids=[schedule_id]
        )
        await self.runner.deliver_many(run_ids, now=now)

    async def _run_recurring(
        self, job: RecurringJob, run_times: list[datetime], *, now: datetime
    ) -> None:
        if not job.claimed:
            await job.step(now)
            return
        fire = job.fire_time(max(run_times))
        instance = self.runner.instance

        def claim(session: Any) -> bool:
            return claim_fire(session, job_id=job.job_id, fire_time=fire, instance=instance)

        if not await in_worker(self.runtime.sessions, claim):
            return  # another replica (or an earlier, late timer here) has this fire time
        try:
            await job.step(now)
        except Exception:
            # Nothing was done for this fire time: give it back so a replica's late timer (or
            # the start-up catch-up) may run it, and let the executor log the error.
            await in_worker(
                self.runtime.sessions,
                lambda session: release_fire(session, job_id=job.job_id, fire_time=fire),
            )
            raise

    async def sweep(self, *, now: datetime) -> None:
        """Re-sync jobs, catch up and retry digests."""
        await self.resync()
        await self.runner.tick(now=now)

    async def send_reminders(self, now: datetime) -> None:
        """Send due action reminders (a claimed job: one replica per fire time)."""
        await send_action_reminders(
            sessions=self.runtime.sessions,
            now=now,
            team_timezone=self.runtime.settings.opsbot_timezone,
            user_zone=self._user_zone,
            send_dm=self._send_dm,
        )

    async def _user_zone(self, user_id: str) -> str | None:
        try:
            zone = (await self.runtime.directory.user(user_id)).get("tz")
        except SlackApiError:
            return None
        return str(zone) if zone else None

    async def _send_dm(self, user_id: str, text: str) -> None:
        try:
            await self.runtime.slack.chat_postMessage(channel=user_id, text=text)
        except SlackApiError as exc:
            raise SlackUnavailable(f"could not DM {user_id}: {exc.response.get('error')}") from exc
