"""Post the weekly team summary once per fire time, and sweep KPI rules, on a timer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from commands.checkins.recurrence import Recurrence, recurrence_from_spec
from commands.periodic import PeriodicTask
from commands.rules.service import evaluate_rules, rule_runtime_parts
from commands.summary.service import build_summary
from commands.summary.views import render_summary
from storage.engine import unit_of_work
from storage.summary import FAILED, POSTED, TeamSummaryRun, claim_summary_run, finish_summary_run
from storage.types import utcnow

log = logging.getLogger("opsbot.summary")
TICK_SECONDS = 60.0


@dataclass
class SummaryRunner:
    """Claims the latest due fire time (unique), builds the summary and posts it."""

    runtime: Any
    recurrence: Recurrence
    channel_id: str | None
    grace: timedelta
    clock: Callable[[], datetime] = utcnow
    _periodic: PeriodicTask | None = field(default=None, repr=False)

    def due_fire(self, now: datetime) -> datetime | None:
        """Return the newest fire time not older than the grace period, if any."""
        fires = self.recurrence.between(now - timedelta(days=8), now)
        if not fires or now - fires[-1] > self.grace:
            return None
        return fires[-1]

    async def run_due(self, *, now: datetime) -> TeamSummaryRun | None:
        """Post the summary for the due fire time unless another process claimed it."""
        fire = self.due_fire(now)
        if fire is None or not self.channel_id:
            return None
        with unit_of_work(self.runtime.sessions) as session:
            run = claim_summary_run(session, fire_time=fire, channel_id=self.channel_id)
        if run is None:
            return None
        await self.post(run=run, now=now)
        return run

    async def post(self, *, run: TeamSummaryRun, now: datetime) -> None:
        """Build and post one claimed run, recording the outcome."""
        with unit_of_work(self.runtime.sessions) as session:
            window, sections = build_summary(
                session=session,
                sources=self.runtime.services["digest_sources"],
                now=now,
                timezone=self.runtime.settings.opsbot_timezone,
            )
        message = render_summary(window=window, sections=sections)
        try:
            answer = await self.runtime.slack.chat_postMessage(channel=run.channel_id, **message)
        except Exception as exc:
            with unit_of_work(self.runtime.sessions) as session:
                finish_summary_run(session, run, status=FAILED, posted_ts=None, error=str(exc))
            raise
        with unit_of_work(self.runtime.sessions) as session:
            finish_summary_run(session, run, status=POSTED, posted_ts=str(answer["ts"]), error=None)

    def sweep_rules(self) -> list[str]:
        """Evaluate KPI rules against what imports stored since the last sweep."""
        parts = rule_runtime_parts(self.runtime)
        if parts is None:
            return []
        desk, registry = parts
        with unit_of_work(self.runtime.sessions) as session:
            return evaluate_rules(
                session=session,
                desk=desk,
                registry=registry,
                dedupe_days=self.runtime.settings.opsbot_rule_dedupe_days,
            )

    async def tick(self) -> None:
        """Do one round: rules, then the summary when due."""
        self.sweep_rules()
        await self.run_due(now=self.clock())

    async def start(self) -> None:
        """Start ticking in the background."""
        self._periodic = PeriodicTask("team-summary", self.tick, interval=TICK_SECONDS)
        await self._periodic.start()

    async def stop(self) -> None:
        """Stop ticking."""
        if self._periodic is not None:
            await self._periodic.stop()


def install_summary(runtime: Any, desk: Any) -> SummaryRunner:
    """Register the summary runner; it ticks with the server when the scheduler is on."""
    settings = runtime.settings
    runner = SummaryRunner(
        runtime=runtime,
        recurrence=recurrence_from_spec(settings.opsbot_summary_schedule, settings.opsbot_timezone),
        channel_id=settings.opsbot_team_channel,
        grace=timedelta(hours=settings.opsbot_catchup_grace_hours),
        clock=lambda: runtime.services.get("clock", utcnow)(),
    )
    runtime.services["summary_runner"] = runner
    if settings.opsbot_scheduler == "on":
        runtime.on_startup.append(runner.start)
        runtime.on_shutdown.append(runner.stop)
    return runner
