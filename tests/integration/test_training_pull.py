"""The scheduled assessment pull, against a fake report export over real HTTP, faults included."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.runtime import Runtime, build_runtime
from bot.scheduler import CLAIM_ANCHOR
from bot.settings import Settings
from commands.training.pull import PULL_JOB, AssessmentPullLoop
from storage.actions import ActionItem
from storage.assessments import AgentAssessment
from storage.scheduled_runs import ScheduledRun
from tests.fakes.report_export import FakeReportExport
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock
from tests.support import slack_requests as sr

TOKEN = "assessment-token-7"
LAST = date(2026, 11, 18)


@pytest.fixture
def export() -> Iterator[FakeReportExport]:
    """A fake export serving 250 results, 100 a page."""
    fake = FakeReportExport(token=TOKEN, page_size=100).start()
    fake.rows = [
        {
            "date": (LAST - timedelta(days=n % 14)).isoformat(),
            "vendor": "acme",
            "assessment": "Fraud basics",
            "agent": f"agt-{n:03d}",
            "score": 50 + n % 50,
            "passed": n % 10 != 0,
        }
        for n in range(250)
    ]
    yield fake
    fake.stop()


@pytest.fixture
def settings_overrides(export: FakeReportExport) -> dict[str, Any]:
    """The assessment export configured: the runtime installs the scheduled pull."""
    return {
        "opsbot_assessment_source_url": export.url,
        "opsbot_assessment_source_token": TOKEN,
        "opsbot_assessment_pull_minutes": 30,
    }


def counted(runtime: Runtime, outcome: str) -> str:
    """Return the metrics line that counts pulls with `outcome`."""
    return f'opsbot_jobs_total{{job="assessment_pull",outcome="{outcome}"}}'


async def test_every_page_is_stored_after_a_retried_503(
    runtime: Runtime, export: FakeReportExport
) -> None:
    assert isinstance(runtime.assessment_pull, AssessmentPullLoop)
    runtime.clock = Clock(datetime(2026, 11, 19, 6, tzinfo=UTC))
    export.faults.fail("/export", status=503, retry_after=0)
    loop = runtime.assessment_pull
    assert loop is not None
    assert await loop.run_once()
    assert len(table(runtime, AgentAssessment)) == 250
    assert [cursor for cursor, _ in export.requests] == [None, None, "100", "200"]
    assert {auth for _, auth in export.requests} == {f"Bearer {TOKEN}"}
    # Pulling again replaces the same results: still 250.
    assert await loop.run_once()
    assert len(table(runtime, AgentAssessment)) == 250
    assert f"{counted(runtime, 'ok')} 2.0" in runtime.metrics.render().decode()


async def test_a_failed_pull_stores_nothing_and_is_counted(
    runtime: Runtime, export: FakeReportExport, caplog: pytest.LogCaptureFixture
) -> None:
    loop = runtime.assessment_pull
    assert loop is not None
    caplog.set_level(logging.WARNING, logger="commands.training.pull")
    export.requests.clear()
    export.faults.clear()
    export.rows[130]["score"] = 140
    export.rows[220]["agent"] = "ana@acme.com"
    assert not await loop.run_once()
    assert "2 bad rows; nothing was imported" in caplog.text
    assert ":132:5: score must be from 0 to 100" in caplog.text  # row 131 reads as line 132
    assert ":222:4: agent must be a pseudonymous id" in caplog.text
    export.rows[130]["score"] = 40
    export.rows[220]["agent"] = "agt-220"
    export.garble("100")  # a good first page, then one that is not JSON: nothing is kept
    assert not await loop.run_once()
    assert "assessment source answered something that is not JSON" in caplog.text
    export.faults.fail("/export", status=503, retry_after=0, times=None)
    assert not await loop.run_once()
    assert "assessment source answered HTTP 503" in caplog.text
    export.faults.clear()
    export.token = "rotated"
    assert not await loop.run_once()
    assert "assessment source answered HTTP 401" in caplog.text
    assert table(runtime, AgentAssessment) == []
    assert f"{counted(runtime, 'refused')} 4.0" in runtime.metrics.render().decode()
    assert TOKEN not in caplog.text and "rotated" not in caplog.text


async def test_a_pulled_breach_opens_the_pass_rate_rules_action_item(
    dispatch: Any, runtime: Runtime, export: FakeReportExport
) -> None:
    await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    await dispatch(
        sr.slash_command("/opsbot", 'rule add "pass_rate vendor:acme < 95% for 2 weeks"')
    )
    assert runtime.assessment_pull is not None
    assert await runtime.assessment_pull.run_once()
    (item,) = table(runtime, ActionItem)
    # The week to 18 Nov: 126 results (n % 14 < 7), 15 of them failing (n % 10 == 0): 88 %.
    assert item.vendor_slug == "acme" and "latest 88%" in item.text


def claimed_fires(engine: Engine) -> list[datetime]:
    """Return the fire times of the assessment pull claimed so far."""
    with Session(engine) as session:
        rows = session.exec(select(ScheduledRun).where(col(ScheduledRun.job_id) == PULL_JOB))
        return sorted(row.fire_time for row in rows)


async def test_two_schedulers_on_one_database_pull_each_fire_time_once(
    runtime: Runtime, settings: Settings, engine: Engine, export: FakeReportExport
) -> None:
    replica = build_runtime(settings, engine=engine)
    try:
        services = [runtime.checkin_scheduler, replica.checkin_scheduler]
        for service in services:
            assert service is not None
            job = service.recurring[PULL_JOB]  # the family's declaration, registered by bot/
            assert job.claimed and job.every == timedelta(minutes=30)
        first, second = (s for s in services if s is not None)
        fire = datetime(2026, 11, 19, 6, 30, tzinfo=UTC)
        assert (fire - CLAIM_ANCHOR) % timedelta(minutes=30) == timedelta(0)
        export.requests.clear()
        # Both replicas fire the same instant; then each has a late timer for it.
        await asyncio.gather(first.run_job(PULL_JOB, [fire]), second.run_job(PULL_JOB, [fire]))
        await first.run_job(PULL_JOB, [fire + timedelta(seconds=2)])
        await second.run_job(PULL_JOB, [fire + timedelta(minutes=29, seconds=59)])
        # One pull: three pages fetched, 250 results stored, one success counted in all.
        assert [cursor for cursor, _ in export.requests] == [None, "100", "200"]
        assert len(table(runtime, AgentAssessment)) == 250
        metrics = runtime.metrics.render().decode() + replica.metrics.render().decode()
        assert metrics.count(f"{counted(runtime, 'ok')} 1.0") == 1
        assert claimed_fires(engine) == [fire]
        # The next fire time is pulled again, by whichever replica claims it.
        await asyncio.gather(
            *(s.run_job(PULL_JOB, [fire + timedelta(minutes=30)]) for s in (second, first))
        )
        assert len(export.requests) == 6
        assert claimed_fires(engine) == [fire, fire + timedelta(minutes=30)]
    finally:
        await replica.aclose()
