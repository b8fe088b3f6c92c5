"""An every-minute check-in: the add answers without stalling the loop; each minute posts once.

The scheduler is driven with the injected clock (its jobs are run by hand at chosen instants),
so nothing depends on the wall clock or on how fast the machine is.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.loop_lag import LoopLagMonitor
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from bot.scheduler import JOB_PREFIX, CheckinTrigger
from commands.checkins.runner import MAX_RECORDED_FIRES, CheckinRunner
from storage import checkins as store
from storage.engine import unit_of_work
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import Clock, digests, make_checkin, runs
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command

START = datetime(2026, 11, 20, 9, 0, 30, tzinfo=UTC)
EVERY_MINUTE = 'add vendor:acme channel:#acme-idops cron:"* * * * *" tz:UTC'
STALL_LIMIT = 0.5  # seconds; the bug this guards against blocked the loop for 17-25 s


async def add_and_measure(dispatch: Dispatch, runtime: Runtime, text: str) -> tuple[str, float]:
    """Send one `/checkin add`; return its answer and the longest loop stall meanwhile."""
    monitor = LoopLagMonitor(runtime.metrics.loop_lag)
    await monitor.start()
    try:
        answer = ok_body(await dispatch(slash_command("/checkin", text)))
        await asyncio.sleep(monitor.interval * 2)  # let a sample land after the answer
    finally:
        await monitor.stop()
    return str(answer["text"]), monitor.worst


async def test_every_minute_cron_add_answers_without_stalling_the_loop(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    runtime.clock = Clock(START)
    stalls: list[float] = []
    # The old evaluator stalled every add by 17-25 s. A shared machine can pause the whole
    # process now and then, so one add may see a stall that is not ours: up to three tries,
    # each a new vendor, and the quietest one counts.
    for attempt in range(3):
        local_slack.add_channel(f"C0ACME{attempt}", f"acme-idops-{attempt}")
        text = f'add vendor:acme{attempt} channel:#acme-idops-{attempt} cron:"* * * * *" tz:UTC'
        answer, worst = await add_and_measure(dispatch, runtime, text)
        assert "Fri 20 Nov 09:01 UTC" in answer, answer
        stalls.append(worst)
        if worst < STALL_LIMIT:
            break
    assert min(stalls) < STALL_LIMIT, stalls
    with unit_of_work(runtime.sessions) as session:
        schedule = session.exec(select(store.CheckinSchedule)).first()
    assert schedule is not None
    assert (schedule.spec, schedule.timezone) == ("cron:* * * * *", "UTC")


async def test_scheduler_posts_each_minute_once(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    clock = Clock(START)
    runtime.clock = clock
    ok_body(await dispatch(slash_command("/checkin", EVERY_MINUTE)))
    with unit_of_work(runtime.sessions) as session:
        (schedule,) = session.exec(select(store.CheckinSchedule)).all()
    service = runtime.checkin_scheduler
    assert service is not None  # OPSBOT_SCHEDULER=on in these tests
    job_id = f"{JOB_PREFIX}{schedule.id}"
    trigger = CheckinTrigger(schedule.spec, schedule.timezone)
    fire = trigger.get_next_fire_time(None, START)
    for minute in range(1, 4):
        assert fire == START.replace(second=0) + timedelta(minutes=minute)
        clock.now = fire + timedelta(seconds=2)
        # The minute's job fires twice at once (two replicas), and the sweep runs as well.
        await asyncio.gather(service.run_job(job_id, [fire]), service.run_job(job_id, [fire]))
        await service.sweep(now=clock.now)
        assert len(digests(local_slack, "C0ACME")) == minute
        fire = trigger.get_next_fire_time(fire, clock.now)
    fired = [(r.fire_time, r.status) for r in runs(runtime, schedule.id or 0)]
    assert fired == [
        (START.replace(second=0) + timedelta(minutes=m), store.RUN_POSTED) for m in (1, 2, 3)
    ]


async def test_back_after_a_month_down_posts_the_newest_minute_and_records_a_bounded_few(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    schedule_id = make_checkin(
        runtime, cron="* * * * *", every=None, tz="UTC", since=START - timedelta(days=40)
    )
    runner: CheckinRunner = runtime.checkin_runner
    assert await runner.tick(now=START) == [store.RUN_POSTED]
    by_status = Counter(r.status for r in runs(runtime, schedule_id))
    # 31 days x 1,440 minutes were due; the first 100 misses and the last 100 minutes within
    # grace are recorded, and only the newest minute is posted.
    assert by_status == {
        store.RUN_MISSED: MAX_RECORDED_FIRES,
        store.RUN_COALESCED: MAX_RECORDED_FIRES - 1,
        store.RUN_POSTED: 1,
    }
    newest = max(r.fire_time for r in runs(runtime, schedule_id))
    assert newest == START.replace(second=0)
    assert await runner.tick(now=START + timedelta(minutes=1)) == [store.RUN_POSTED]
    assert len(digests(local_slack, "C0ACME")) == 2
