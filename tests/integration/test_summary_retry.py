"""A failed team-summary post is retried through the outbox, and never posted twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.summary.loop import EVENT_TYPE, SummaryRunner
from storage.engine import unit_of_work
from storage.summary import TeamSummaryRun

TEAM = "C0TEAM"
MONDAY = datetime(2026, 11, 16, 9, 5, tzinfo=UTC)  # five minutes after Monday's 09:00 run
RETRY_WITHIN = 60.0  # seconds the outbox may take to come back (its backoff is 1-2 s here)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"opsbot_team_channel": TEAM, "opsbot_scheduler": "off"}


def summary_posts(local_slack: LocalSlack) -> list[dict[str, Any]]:
    return [
        m
        for m in local_slack.messages(TEAM)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


def stored_runs(runtime: Runtime) -> list[TeamSummaryRun]:
    with unit_of_work(runtime.sessions) as session:
        return list(session.exec(select(TeamSummaryRun)))


async def test_a_failed_post_is_retried_and_posted_once(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel(TEAM, "team")
    runner: SummaryRunner = runtime.summary_runner
    local_slack.fail_next("chat.postMessage", status=500)
    assert await runner.run_due(now=MONDAY) is not None
    await runner.outbox.drain(horizon=RETRY_WITHIN)
    (post,) = summary_posts(local_slack)
    (run,) = stored_runs(runtime)
    assert (run.status, run.posted_ts) == ("posted", post["ts"])
    # The retry looked in the channel first, in case the failed call had posted after all.
    assert len(local_slack.calls_to("conversations.history")) == 1
    assert await runner.run_due(now=MONDAY) is None  # the fire time stays claimed


async def test_a_post_whose_answer_was_lost_is_found_not_posted_again(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    local_slack.add_channel(TEAM, "team")
    runner: SummaryRunner = runtime.summary_runner
    local_slack.fail_next("chat.postMessage", status=500)
    run = await runner.run_due(now=MONDAY)
    assert run is not None
    await runner.outbox.drain()  # the first attempt only: the retry is not due yet
    # Slack had stored the message; only its answer was lost.
    landed = await runtime.slack.chat_postMessage(
        channel=TEAM,
        text="Weekly team summary",
        metadata={"event_type": EVENT_TYPE, "event_payload": {"run_id": run.id}},
    )
    await runner.outbox.drain(horizon=RETRY_WITHIN)
    assert len(summary_posts(local_slack)) == 1
    (stored,) = stored_runs(runtime)
    assert (stored.status, stored.posted_ts) == ("posted", landed["ts"])


async def test_a_rejected_post_fails_the_run_visibly(
    runtime: Runtime, local_slack: LocalSlack
) -> None:
    # The team channel does not exist: Slack says channel_not_found, and retrying cannot help.
    runner: SummaryRunner = runtime.summary_runner
    assert await runner.run_due(now=MONDAY) is not None
    await runner.outbox.drain(horizon=RETRY_WITHIN)
    (run,) = stored_runs(runtime)
    assert run.status == "failed"
    assert run.error is not None and "channel_not_found" in run.error
    assert len(local_slack.calls_to("chat.postMessage")) == 1
