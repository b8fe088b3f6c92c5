"""The durable outbox: idempotent enqueue, atomic claims, backoff, give-up, and its CLI."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.offline.slack import LocalSlack
from integrations.metrics import OpsMetrics
from integrations.outbox import GiveUp, JobContext, OutboxPolicy, OutboxWorker, RetryLater
from storage.engine import session_factory, unit_of_work
from storage.outbox import FAILED, claim_jobs, enqueue_job, get_job, list_jobs
from storage.types import utcnow
from tests.fakes.jira_server import FakeJira
from tests.support import slack_requests as sr


def worker(engine: Engine, **policy: Any) -> OutboxWorker:
    return OutboxWorker(
        sessions=session_factory(engine),
        metrics=OpsMetrics(),
        policy=OutboxPolicy(**{"base_delay": 0.01, "max_delay": 0.05, **policy}),
    )


def test_enqueue_is_idempotent_and_claims_are_exclusive(engine: Engine) -> None:
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        first = enqueue_job(session, kind="k", payload={"n": 1}, idempotency_key="same")
        again = enqueue_job(session, kind="k", payload={"n": 2}, idempotency_key="same")
        assert first.id == again.id
        for n in range(5):
            enqueue_job(session, kind="k", payload={"n": n}, idempotency_key=f"k{n}")
    lease = timedelta(minutes=5)
    with unit_of_work(sessions) as a, unit_of_work(sessions) as b:
        got_a = claim_jobs(a, limit=3, lease=lease)
        got_b = claim_jobs(b, limit=10, lease=lease)
    ids_a, ids_b = {j.id for j in got_a}, {j.id for j in got_b}
    assert len(ids_a) == 3
    assert len(ids_b) == 3
    assert not ids_a & ids_b
    with unit_of_work(sessions) as session:
        assert claim_jobs(session, limit=10, lease=lease) == []
        assert all(j.attempts == 1 for j in list_jobs(session))


async def test_retry_after_backoff_give_up_and_failure_hook(engine: Engine) -> None:
    outbox = worker(engine, max_attempts=3)
    seen: list[int] = []
    failed: list[str] = []

    async def flaky(job: JobContext) -> None:
        seen.append(job.attempt)
        raise RetryLater("busy", retry_after=0.2)

    async def hopeless(job: JobContext) -> None:
        raise GiveUp("bad request")

    async def on_failed(job: JobContext, error: str) -> None:
        failed.append(f"{job.kind}:{error}")

    outbox.register("flaky", flaky, on_failed=on_failed)
    outbox.register("hopeless", hopeless, on_failed=on_failed)
    with unit_of_work(outbox.sessions) as session:
        flaky_job = outbox.enqueue(session, kind="flaky", payload={}, key="f")
        outbox.enqueue(session, kind="hopeless", payload={}, key="h")
        flaky_id = flaky_job.id or 0
    before = utcnow()
    await outbox.drain(horizon=0.0)
    with unit_of_work(outbox.sessions) as session:
        job = get_job(session, flaky_id)
        assert job is not None
        assert job.status == "pending"
        assert job.next_attempt_at >= before + timedelta(seconds=0.2)
    assert failed == ["hopeless:bad request"]
    await outbox.drain(horizon=1.0)
    assert seen == [1, 2, 3]
    assert failed[-1] == "flaky:busy"
    with unit_of_work(outbox.sessions) as session:
        assert {j.status for j in list_jobs(session)} == {FAILED}
    assert outbox.backoff(1, 30.0) >= 30.0


async def test_started_worker_wakes_on_enqueue(engine: Engine) -> None:
    outbox = worker(engine, poll_interval=60.0)
    done = asyncio.Event()

    async def handler(job: JobContext) -> None:
        done.set()

    outbox.register("k", handler)
    await outbox.start()
    try:
        with unit_of_work(outbox.sessions) as session:
            outbox.enqueue(session, kind="k", payload={}, key="x")
        outbox.wake()
        await asyncio.wait_for(done.wait(), 60)
    finally:
        await outbox.stop()


@pytest.fixture
def settings_overrides(fake_jira: FakeJira) -> dict[str, Any]:
    return {
        "jira_url": fake_jira.url,
        "jira_email": "bot@example.com",
        "jira_api_token": "api-token-0123456789",
        "opsbot_outbox_max_attempts": 1,
    }


async def test_outbox_cli_lists_failed_work_and_retry_replays_it(
    dispatch: Any,
    runtime: Any,
    fake_jira: FakeJira,
    local_slack: LocalSlack,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_jira.down()
    await dispatch(sr.slash_command("/escalate", "sev2 other Stuck takedowns"))
    await runtime.outbox.drain(horizon=0.0)
    fake_jira.up()
    for name, value in {
        "DATABASE_URL": database_url,
        "JIRA_URL": fake_jira.url,
        "JIRA_EMAIL": "bot@example.com",
        "JIRA_API_TOKEN": "api-token-0123456789",
        "SLACK_API_URL": local_slack.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test-0123456789-abcdefghij",
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    listed = await asyncio.to_thread(runner.invoke, cli_app, ["outbox"])
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if "escalation.file" in row)
    assert "failed" in line
    assert "Jira is unavailable" in line
    job_id = line.split()[0]
    assert (
        await asyncio.to_thread(runner.invoke, cli_app, ["outbox", "--status", "nope"])
    ).exit_code == 2
    replay = await asyncio.to_thread(runner.invoke, cli_app, ["outbox", "retry", job_id])
    assert replay.exit_code == 0, replay.output
    assert f"job {job_id}: done" in replay.output
    assert [k for k in fake_jira.issues if k.startswith("ESC-")] == ["ESC-1"]
    missing = await asyncio.to_thread(runner.invoke, cli_app, ["outbox", "retry", "99999"])
    assert missing.exit_code == 2
