"""The bounded work queue: busy at once when full, a per-user cap, work posts, errors are told.

Slots are held by jobs of the test's own that wait on an event, submitted through the
queue's public API (as proposal generation will be): no sleeps, no timing.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from slack_bolt.response import BoltResponse

from bot.app import OpsbotApp
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.work_queue import BUSY_MESSAGE, Busy, WorkQueue
from integrations.errors import OpsbotError
from tests.integration.test_kpi_import import SMALL, TODAY, run_import
from tests.support.answers import ok_body
from tests.support.slack_requests import block_action, slash_command, to_bolt_request

PERIOD = "2026-11-16..2026-11-17 vs 2026-11-09..2026-11-10"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A queue of three places, two per user, one job running at a time."""
    return {
        "opsbot_work_queue_size": 3,
        "opsbot_work_queue_per_user": 2,
        "opsbot_work_queue_workers": 1,
    }


@pytest.fixture(autouse=True)
def pinned_today(runtime: Runtime, database_url: str) -> None:
    """Data through 2026-11-17, asked about the day after, whatever today is."""
    assert run_import(database_url, SMALL)[0] == 0
    runtime.clock = lambda: datetime.combine(TODAY, time(12), tzinfo=UTC)


def _queue(runtime: Runtime) -> WorkQueue:
    queue = runtime.work_queue
    assert isinstance(queue, WorkQueue)
    return queue


def _hold(queue: WorkQueue, user_id: str, gate: asyncio.Event, count: int) -> None:
    async def wait() -> None:
        await gate.wait()

    for _ in range(count):
        queue.submit(user_id=user_id, name="test_hold", work=wait)


async def _send(app: OpsbotApp, request: tuple[str, dict[str, str]]) -> BoltResponse:
    # Not the `dispatch` fixture: it drains background work, which the held slots block.
    return await app.async_dispatch(to_bolt_request(*request))


async def test_a_full_queue_answers_busy_at_once(app: OpsbotApp, runtime: Runtime) -> None:
    queue, gate = _queue(runtime), asyncio.Event()
    _hold(queue, "U0FIRST", gate, 2)
    _hold(queue, "U0SECOND", gate, 1)
    assert queue.admitted == 3
    for request in (
        slash_command("/kpi", f"why aht {PERIOD}", user_id="U0THIRD"),
        slash_command("/routing", "why 28d", user_id="U0THIRD"),
    ):
        answer = ok_body(await _send(app, request))
        # Answered while every held job still waits: the ack never waited on the queue.
        assert not gate.is_set() and queue.admitted == 3
        assert answer["response_type"] == "ephemeral"
        assert answer["text"] == BUSY_MESSAGE
        assert "try again in a minute" in answer["text"]
    for job in ("kpi_why", "routing_why"):
        labels = {"job": job, "outcome": "busy"}
        assert runtime.metrics.registry.get_sample_value("opsbot_jobs_total", labels) == 1
    gate.set()
    await runtime.background.drain()
    assert queue.admitted == 0


async def test_one_user_cannot_take_every_slot_and_queued_work_posts(
    app: OpsbotApp, runtime: Runtime, local_slack: LocalSlack
) -> None:
    queue, gate = _queue(runtime), asyncio.Event()
    _hold(queue, "U0ADMIN", gate, 2)
    with pytest.raises(Busy):
        _hold(queue, "U0ADMIN", gate, 1)
    mine = ok_body(await _send(app, slash_command("/kpi", f"why aht {PERIOD}")))
    assert mine["text"] == BUSY_MESSAGE
    url = local_slack.response_url(channel="C0OPS")
    theirs = ok_body(
        await _send(
            app, slash_command("/kpi", f"why aht {PERIOD}", user_id="U0OTHER", response_url=url)
        )
    )
    assert theirs["text"] == "Looking into what moved AHT…"
    assert queue.held_by("U0OTHER") == 1 and queue.admitted == 3
    assert local_slack.messages("C0OPS") == []  # one worker, still busy with a held job
    gate.set()
    await runtime.background.drain()
    (finding,) = local_slack.messages("C0OPS")
    assert finding["text"].startswith("AHT +")
    assert queue.admitted == 0


async def test_a_break_down_refused_by_a_full_queue_says_busy(
    app: OpsbotApp, runtime: Runtime, local_slack: LocalSlack
) -> None:
    queue, gate = _queue(runtime), asyncio.Event()
    _hold(queue, "U0ADMIN", gate, 2)
    url = local_slack.response_url(channel="C0OPS")
    clicked = await _send(app, block_action("kpi_breakdown_vendor", PERIOD, response_url=url))
    assert clicked.status == 200
    (told,) = local_slack.ephemeral_messages()
    assert told["text"] == BUSY_MESSAGE and told["response_type"] == "ephemeral"
    gate.set()
    await runtime.background.drain()


async def test_a_job_error_reaches_the_user_as_a_clear_message(
    app: OpsbotApp, runtime: Runtime, local_slack: LocalSlack
) -> None:
    url = local_slack.response_url(channel="C0OPS")
    # The break-down resolves its filters in its queued job: an unknown vendor fails there.
    await _send(
        app, block_action("kpi_breakdown_vendor", f"{PERIOD} vendor:nosuch", response_url=url)
    )
    await runtime.background.drain()
    queue, told = _queue(runtime), []

    async def report(message: str) -> None:
        told.append(message)

    async def refused() -> None:
        raise OpsbotError("The tracker said no.")

    async def broken() -> None:
        raise RuntimeError("internal detail")

    queue.submit(user_id="U0ADMIN", name="test_refused", work=refused, report=report)
    queue.submit(user_id="U0ADMIN", name="test_broken", work=broken, report=report)
    await runtime.background.drain()
    (from_button,) = local_slack.ephemeral_messages()
    assert "I know no vendor called nosuch" in from_button["text"]
    assert told[0] == "The tracker said no."
    assert told[1].startswith("Sorry, something went wrong") and "internal" not in told[1]
    assert queue.admitted == 0  # failed jobs give their places back


async def test_a_chart_refused_by_a_full_queue_still_gets_its_numbers(
    app: OpsbotApp, runtime: Runtime, local_slack: LocalSlack
) -> None:
    queue, gate = _queue(runtime), asyncio.Event()
    _hold(queue, "U0FIRST", gate, 2)
    _hold(queue, "U0SECOND", gate, 1)
    url = local_slack.response_url(channel="C0OPS")
    answer = ok_body(await _send(app, slash_command("/kpi", f"{PERIOD} chart", response_url=url)))
    assert answer["response_type"] == "in_channel" and "Total incoming" in answer["text"]
    (told,) = local_slack.ephemeral_messages()
    assert told["text"] == f"{BUSY_MESSAGE} (for the chart)"
    gate.set()
    await runtime.background.drain()
    assert local_slack.calls_to("files.upload") == []


async def test_a_proposal_waits_its_turn_and_a_full_queue_answers_busy(
    app: OpsbotApp, runtime: Runtime, local_slack: LocalSlack
) -> None:
    await _send(app, slash_command("/suggest", "Add a macro for clone reports", user_id="U0FIRST"))
    queue, gate = _queue(runtime), asyncio.Event()
    _hold(queue, "U0FIRST", gate, 2)
    _hold(queue, "U0SECOND", gate, 1)
    url = local_slack.response_url(channel="C0OPS")
    refused = ok_body(await _send(app, slash_command("/suggest", "proposal", response_url=url)))
    assert not gate.is_set() and queue.admitted == 3
    assert refused["response_type"] == "ephemeral" and refused["text"] == BUSY_MESSAGE
    labels = {"job": "suggest_proposal", "outcome": "busy"}
    assert runtime.metrics.registry.get_sample_value("opsbot_jobs_total", labels) == 1
    gate.set()
    await runtime.background.drain()
    assert local_slack.messages("C0OPS") == [] and local_slack.calls_to("files.upload") == []

    started = ok_body(await _send(app, slash_command("/suggest", "proposal 3", response_url=url)))
    assert started["text"] == "Building the proposal of the top 3 suggestions…"
    await runtime.background.drain()
    # The proposal is for the channel (the uploaded file is shared there too).
    (posted,) = [m for m in local_slack.messages("C0OPS") if m.get("blocks")]
    assert posted["text"].startswith("Improvement proposal") and posted["blocks"]
    assert "clone reports" in json.dumps(posted["blocks"])
    (upload,) = local_slack.calls_to("files.upload")
    assert upload.args["content"].decode().startswith("# Improvement proposal")
    assert queue.admitted == 0
