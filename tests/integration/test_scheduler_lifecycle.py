"""The scheduler for real: APScheduler jobs in the database, catch-up at start, processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.local_slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.scheduler import JOB_PREFIX
from bot.settings import Settings
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.runner import CheckinRunner
from storage.engine import make_engine, session_factory
from storage.types import utcnow
from tests.conftest import BOT_TOKEN
from tests.integration.test_checkin_runs import digests, make_checkin, runs
from tests.support.moved_clock import opsbot_command


def hourly_spec_due_an_hour_ago() -> str:
    """Return a weekly cron whose last fire time was about an hour ago (UTC)."""
    last = utcnow() - timedelta(hours=1)
    days = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
    return f"{last.minute} {last.hour} * * {days[(last.weekday() + 1) % 7]}"


async def test_start_catches_up_and_keeps_jobs_across_restarts(
    runtime: Runtime, settings: Settings, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    spec = hourly_spec_due_an_hour_ago()
    schedule_id = make_checkin(
        runtime, cron=spec, every=None, tz="UTC", since=utcnow() - timedelta(days=1)
    )
    await runtime.start()
    await asyncio.to_thread(local_slack.wait_for, "chat.postMessage", 1, timeout=60)
    service = runtime.checkin_scheduler
    assert service is not None  # OPSBOT_SCHEDULER=on in these tests
    assert service.scheduler is not None
    job = service.scheduler.get_job(f"{JOB_PREFIX}{schedule_id}")
    expected = recurrence_from_spec(f"cron:{spec}", "UTC").next_after(utcnow())
    assert job is not None and job.next_run_time == expected
    await service.stop()
    # A second process start: the job is still stored, the run is not posted again.
    second = build_runtime(settings, engine=make_engine(settings.database_url))
    try:
        await second.start()
        again = second.checkin_scheduler
        assert again is not None  # OPSBOT_SCHEDULER=on in these tests
        await again.sweep(now=utcnow())
    finally:
        await second.aclose()
    with runtime.engine.connect() as connection:
        stored = connection.execute(text("SELECT id FROM scheduler_job")).scalars().all()
    assert f"{JOB_PREFIX}{schedule_id}" in stored
    assert len(digests(local_slack, "C0ACME")) == 1
    assert [r.status for r in runs(runtime, schedule_id)] == ["posted"]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {}


async def test_scheduler_off_setting_starts_nothing(settings: Settings) -> None:
    off = build_runtime(settings.model_copy(update={"opsbot_scheduler": "off"}))
    try:
        assert off.checkin_scheduler is None
        assert isinstance(off.checkin_runner, CheckinRunner)  # /checkin run still posts
    finally:
        await off.aclose()


async def test_without_the_scheduler_the_audit_buffer_keeps_a_timer_of_its_own(
    settings: Settings, engine: Engine
) -> None:
    off = build_runtime(settings.model_copy(update={"opsbot_scheduler": "off"}), engine=engine)
    try:
        # The families still declare their periodic work; only a scheduler process runs it.
        assert "training-nudges" in {work.job_id for work in off.recurring_work}
        await off.start()
        row = {"request_id": "r-timer", "at": utcnow(), "kind": "command", "name": "/kpi"}
        off.audit.add(row | {"outcome": "ok", "detail": "", "latency_ms": 1.0})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not audit_rows(engine):  # written by the flush timer, not by a flush call
            assert loop.time() < deadline, "the audit timer never flushed"
            await asyncio.sleep(0.05)
    finally:
        await off.aclose()
    assert audit_rows(engine) == ["r-timer"]


def audit_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT request_id FROM audit_event")).scalars())


@pytest.mark.postgres_only
@pytest.mark.slow
def test_two_scheduler_processes_post_each_digest_once(
    engine: Engine, database_url: str, local_slack: LocalSlack, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the multi-process test needs PostgreSQL (TEST_DATABASE_URL)")
    runtime: Any = SimpleNamespace(sessions=session_factory(engine))
    channels = [f"C0PROC{i}" for i in range(6)]
    spec = hourly_spec_due_an_hour_ago()
    for index, channel in enumerate(channels):
        local_slack.add_channel(channel, channel.lower())
        make_checkin(
            runtime,
            vendor=f"Vendor{index}",
            channel=channel,
            cron=spec,
            every=None,
            tz="UTC",
            since=utcnow() - timedelta(days=1),
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": local_slack.api_url,
    }
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    processes = []
    for log in logs:
        with log.open("wb") as sink:
            processes.append(
                subprocess.Popen(
                    opsbot_command("scheduler"), env=env, stdout=subprocess.DEVNULL, stderr=sink
                )
            )
    try:
        local_slack.wait_for("chat.postMessage", len(channels), timeout=60)
        # Both must be up (not still importing on a busy machine) before they are told to stop:
        # the clean exit on SIGTERM is part of what this test proves.
        deadline = time.monotonic() + 120
        while not all("scheduler running" in log.read_text(errors="replace") for log in logs):
            assert time.monotonic() < deadline, [log.read_text(errors="replace") for log in logs]
            time.sleep(0.1)
        time.sleep(2)  # room for a wrongful second post to show up
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    for process, log in zip(processes, logs, strict=True):
        assert process.returncode == 0, log.read_text(errors="replace")[-2000:]
    for channel in channels:
        assert len(digests(local_slack, channel)) == 1
