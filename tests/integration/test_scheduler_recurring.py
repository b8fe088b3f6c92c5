"""The weekly summary and the KPI rule sweep run as jobs on the one APScheduler scheduler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.local_slack import LocalSlack
from bot.runtime import Runtime
from bot.scheduler import CLAIM_ANCHOR, RECURRING_STORE, CheckinScheduler, CheckinTrigger
from commands.rules.jobs import RULES_JOB
from commands.summary.loop import EVENT_TYPE, SUMMARY_JOB
from tests.integration.test_checkin_runs import Clock

TEAM = "C0TEAM"
MONDAY = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)  # five minutes after Monday's 09:00 run


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"opsbot_team_channel": TEAM, "opsbot_summary_schedule": "every:mon 09:00"}


def summary_posts(local_slack: LocalSlack) -> list[dict[str, Any]]:
    return [
        m
        for m in local_slack.messages(TEAM)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


async def test_summary_and_rules_are_scheduler_jobs_that_catch_up_at_start(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel(TEAM, "team")
    runtime.clock = Clock(MONDAY)
    await runtime.start()
    # The start-up run finds Monday's 09:00 summary due (within grace) and posts it.
    await asyncio.to_thread(local_slack.wait_for, "chat.postMessage", 1, timeout=60)
    service = runtime.checkin_scheduler
    assert service is not None  # OPSBOT_SCHEDULER=on in these tests
    assert service.scheduler is not None
    summary = service.scheduler.get_job(SUMMARY_JOB, jobstore=RECURRING_STORE)
    rules = service.scheduler.get_job(RULES_JOB, jobstore=RECURRING_STORE)
    assert summary is not None and rules is not None
    assert isinstance(summary.trigger, CheckinTrigger)
    assert (summary.trigger.spec, summary.trigger.timezone) == ("every:mon 09:00", "UTC")
    summary = await rescheduled(service, SUMMARY_JOB)
    # APScheduler times jobs by the real clock: whatever today is, the next run is a Monday 09:00.
    assert (summary.next_run_time.weekday(), summary.next_run_time.hour) == (0, 9)
    assert isinstance(rules.trigger, IntervalTrigger)
    assert rules.trigger.interval.total_seconds() == 60
    # Firing again (another replica, or a late timer) finds the fire time claimed.
    await service.run_job(SUMMARY_JOB, [MONDAY])
    await runtime.outbox.drain()
    assert len(summary_posts(local_slack)) == 1


async def rescheduled(service: CheckinScheduler, job_id: str) -> Any:
    """Return the job once its start-up run is behind it and it holds its next trigger time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        assert service.scheduler is not None
        job = service.scheduler.get_job(job_id, jobstore=RECURRING_STORE)
        when = job.next_run_time
        # The start-up run was due at "now" (with seconds); trigger times are whole minutes.
        if when is not None and (when.minute, when.second, when.microsecond) == (0, 0, 0):
            return job
        assert loop.time() < deadline, f"{job_id} was not rescheduled"
        await asyncio.sleep(0.05)


def claims(runtime: Runtime, job_id: str) -> list[datetime]:
    from sqlmodel import Session, col, select

    from storage.scheduled_runs import ScheduledRun

    with Session(runtime.engine) as session:
        rows = session.exec(select(ScheduledRun).where(col(ScheduledRun.job_id) == job_id)).all()
    return sorted(r.fire_time for r in rows)


@pytest.mark.parametrize(
    "job_id",
    ["kpi-rules", "purge-request-keys", "action-reminders", "audit-flush", "training-nudges"],
)
async def test_every_periodic_job_is_on_the_one_scheduler(runtime: Runtime, job_id: str) -> None:
    await runtime.start()
    service = runtime.checkin_scheduler
    assert service is not None
    job = await rescheduled_interval(service, job_id)
    assert isinstance(job.trigger, IntervalTrigger)
    # Fire times lie on the grid every replica shares, whenever the process started.
    every = job.trigger.interval
    assert (job.next_run_time - CLAIM_ANCHOR) % every == timedelta(0)


async def test_a_claimed_job_runs_once_per_fire_time_across_replicas(runtime: Runtime) -> None:
    service = runtime.checkin_scheduler
    assert service is not None
    ran: list[datetime] = []

    async def step(now: datetime) -> None:
        ran.append(now)

    service.add_recurring("probe", step, every_seconds=60, claimed=True)
    runtime.clock = Clock(MONDAY)
    fire = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)
    # Two replicas fire the same instant; a third is late, and one starts up mid-minute.
    await asyncio.gather(service.run_job("probe", [fire]), service.run_job("probe", [fire]))
    await service.run_job("probe", [fire + timedelta(seconds=1)])
    await service.run_job("probe", [fire + timedelta(seconds=42, microseconds=5)])
    assert len(ran) == 1
    await service.run_job("probe", [fire + timedelta(minutes=1)])
    assert len(ran) == 2
    assert claims(runtime, "probe") == [fire, fire + timedelta(minutes=1)]


async def test_a_failed_step_gives_its_fire_time_back(runtime: Runtime) -> None:
    service = runtime.checkin_scheduler
    assert service is not None
    outcomes = iter([RuntimeError("source down"), None])

    async def step(now: datetime) -> None:
        if (error := next(outcomes)) is not None:
            raise error

    service.add_recurring("flaky", step, every_seconds=60, claimed=True)
    fire = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        await service.run_job("flaky", [fire])
    assert claims(runtime, "flaky") == []
    await service.run_job("flaky", [fire])  # a replica's late timer runs it after all
    assert claims(runtime, "flaky") == [fire]


async def rescheduled_interval(service: CheckinScheduler, job_id: str) -> Any:
    """Return the job once its start-up run is behind it (its next time is on the grid)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        # The scheduler starts in the background once the database answers.
        job = service.scheduler and service.scheduler.get_job(job_id, jobstore=RECURRING_STORE)
        if job and job.next_run_time is not None:
            offset = job.next_run_time - CLAIM_ANCHOR
            if offset % job.trigger.interval == timedelta(0):
                return job
        assert loop.time() < deadline, f"{job_id} was not scheduled"
        await asyncio.sleep(0.05)
