"""Post the weekly team summary once per fire time, on the scheduler.

A recurring job on the process's one APScheduler scheduler (see bot/scheduler.py), at its own
fire times and once at start, to catch up within the grace period. (The KPI rule sweep is a
job of its own: commands/rules/jobs.py.)

The fire time is claimed (unique row) in the same transaction that queues the post in the
outbox, so a claimed summary is never lost: the outbox retries a failed post with backoff,
honouring Retry-After. Posts are tagged with the run id, and a retry first looks for the post
in the channel, so a post whose answer was lost is not posted twice. Database work runs in
worker threads; the event loop only awaits Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from commands.checkins.delivery import ChannelDispatcher, SlackDigestPoster
from commands.checkins.recurrence import Recurrence, recurrence_from_spec
from commands.summary.config import SummaryConfig
from commands.summary.service import build_summary
from commands.summary.views import render_summary
from integrations.outbox import GiveUp, JobContext, OutboxWorker, RetryLater
from storage.engine import off_loop, unit_of_work
from storage.summary import FAILED, POSTED, TeamSummaryRun, finish_summary_run
from storage.types import utcnow

log = logging.getLogger("opsbot.summary")
SUMMARY_JOB = "team-summary"
POST_JOB = "team_summary.post"
EVENT_TYPE = "opsbot_team_summary"


@dataclass
class SummaryRunner:
    """Claims the latest due fire time (unique) and queues its post; the outbox delivers it."""

    runtime: Any
    timezone: str
    recurrence: Recurrence
    channel_id: str | None
    grace: timedelta
    outbox: OutboxWorker
    poster: SlackDigestPoster
    clock: Callable[[], datetime] = utcnow

    def due_fire(self, now: datetime) -> datetime | None:
        """Return the newest fire time not older than the grace period, if any."""
        fires = self.recurrence.between(now - timedelta(days=8), now)
        if not fires or now - fires[-1] > self.grace:
            return None
        return fires[-1]

    async def run_due(self, *, now: datetime) -> TeamSummaryRun | None:
        """Claim the due fire time and queue its post, unless another process claimed it."""
        fire = self.due_fire(now)
        if fire is None or not self.channel_id:
            return None
        run = await off_loop(
            self.runtime.sessions, self._claim_and_queue, fire, self.channel_id, now
        )
        if run is not None:
            self.outbox.wake()
        return run

    def _claim_and_queue(
        self, fire: datetime, channel_id: str, now: datetime
    ) -> TeamSummaryRun | None:
        with unit_of_work(self.runtime.sessions) as session:
            run = TeamSummaryRun(fire_time=fire, channel_id=channel_id)
            session.add(run)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return None  # another process (or an earlier tick) claimed this fire time
            self.outbox.enqueue(
                session,
                kind=POST_JOB,
                # Built as of the claim, so every attempt posts what the first would have.
                payload={"run_id": run.id, "as_of": now.isoformat()},
                key=f"{POST_JOB}:{run.id}",
                fresh=True,
            )
            session.refresh(run)
            session.expunge(run)
        return run

    async def post_job(self, job: JobContext) -> None:
        """Outbox handler: post one claimed run, unless it is already in the channel."""
        run_id = int(job.payload["run_id"])
        as_of = datetime.fromisoformat(str(job.payload["as_of"]))
        prepared = await off_loop(self.runtime.sessions, self._prepare, run_id, as_of)
        if prepared is None:
            return  # posted already, or the run is gone
        run, message = prepared
        if job.attempt > 1:
            # The last attempt may have posted and lost the answer: look before posting again.
            found = await self.poster.find_posted(
                channel=run.channel_id, run_id=run_id, since=run.created_at
            )
            if found is not None:
                await off_loop(self.runtime.sessions, self._finish, run_id, POSTED, found, None)
                return
        async with self.poster.slot(run.channel_id):
            outcome = await self.poster.post(channel=run.channel_id, message=message, run_id=run_id)
        if outcome.kind == "posted":
            await off_loop(self.runtime.sessions, self._finish, run_id, POSTED, outcome.ts, None)
            return
        if outcome.kind == "rejected":
            raise GiveUp(outcome.error or "rejected")
        raise RetryLater(outcome.error or outcome.kind, retry_after=outcome.retry_after)

    async def post_failed(self, job: JobContext, error: str) -> None:
        """Outbox hook: record a run given up on, so it shows as failed."""
        await off_loop(
            self.runtime.sessions, self._finish, int(job.payload["run_id"]), FAILED, None, error
        )

    def _prepare(
        self, run_id: int, as_of: datetime
    ) -> tuple[TeamSummaryRun, dict[str, Any]] | None:
        with unit_of_work(self.runtime.sessions) as session:
            run = session.get(TeamSummaryRun, run_id)
            if run is None or run.status == POSTED:
                return None
            window, sections = build_summary(
                session=session,
                sources=self.runtime.digest_sources,
                now=as_of,
                timezone=self.timezone,
            )
            session.expunge(run)
        return run, render_summary(window=window, sections=sections)

    def _finish(self, run_id: int, status: str, ts: str | None, error: str | None) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            run = session.get(TeamSummaryRun, run_id)
            if run is not None:
                finish_summary_run(session, run, status=status, posted_ts=ts, error=error)

    async def tick(self) -> None:
        """Do one round by hand: the summary when due (database work off the loop)."""
        await self.run_due(now=self.clock())

    async def run_due_at(self, now: datetime) -> TeamSummaryRun | None:
        """Scheduler step: `run_due` at `now`."""
        return await self.run_due(now=now)


def install_summary(runtime: Any, desk: Any) -> SummaryRunner:
    """Register the summary runner and its outbox job; it ticks when the scheduler is on."""
    config: SummaryConfig = runtime.summary_config
    # No automatic retries in the client: a 5xx after Slack stored the message must not post
    # it twice. The outbox retries, after looking for the post in the channel.
    client = runtime.slack_once
    runner = SummaryRunner(
        runtime=runtime,
        timezone=config.timezone,
        recurrence=recurrence_from_spec(config.schedule, config.timezone),
        channel_id=config.channel_id,
        grace=config.grace,
        outbox=desk.outbox,
        poster=SlackDigestPoster(client, ChannelDispatcher(), event_type=EVENT_TYPE),
        clock=lambda: runtime.clock(),
    )
    desk.outbox.register(POST_JOB, runner.post_job, on_failed=runner.post_failed)
    runtime.summary_runner = runner
    # Present when this process runs the scheduler (OPSBOT_SCHEDULER=on, or `opsbot scheduler`).
    scheduler = runtime.checkin_scheduler
    if scheduler is not None:
        spec = (config.schedule, config.timezone)
        scheduler.add_recurring(SUMMARY_JOB, runner.run_due_at, spec=spec)
    return runner
