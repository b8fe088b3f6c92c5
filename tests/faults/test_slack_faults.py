"""Slack failing on our side of the wire: rate limits, 5xx, expired response_url and triggers."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.errors import STALE_TRIGGER_MESSAGE
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.hostile.support import seed_kpis
from tests.support.answers import settle
from tests.support.slack_requests import new_trigger_id, slash_command


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"opsbot_outbox_base_delay": 0.01, "opsbot_outbox_max_delay": 0.05}


def posted(local_slack: LocalSlack, channel: str, needle: str) -> list[dict[str, Any]]:
    """Return the top-level messages in `channel` whose text mentions `needle`."""
    return [
        m
        for m in local_slack.messages(channel)
        if needle in json.dumps(m) and not m.get("thread_ts")
    ]


@pytest.mark.parametrize(
    ("status", "times"), [(429, 2), (500, 2), (503, 1)], ids=["429", "500", "503"]
)
async def test_failed_post_is_retried_and_delivered_once(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack, status: int, times: int
) -> None:
    local_slack.fail_next("chat.postMessage", status=status, retry_after=1, times=times)
    response = await dispatch(slash_command("/escalate", 'sev2 other "Queue on fire"'))
    assert response.status == 200
    await settle(runtime, horizon=3.0)
    assert len(posted(local_slack, "C0OPS", "Queue on fire")) == 1
    faulted = [c for c in local_slack.calls_to("chat.postMessage") if c.faulted]
    assert len(faulted) == times


async def test_expired_response_url_is_logged_never_a_crash(
    dispatch: Dispatch,
    runtime: Runtime,
    local_slack: LocalSlack,
    engine: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed_kpis(engine)
    url = local_slack.response_url(channel="C0OPS")
    local_slack.expire_response_url(url)
    response = await dispatch(slash_command("/kpi", "why aht week", response_url=url))
    assert response.status == 200
    assert json.loads(response.body)["text"]  # the ack said what is coming
    await settle(runtime, horizon=3.0)
    assert local_slack.calls_to("response_url"), "the answer was never attempted"
    told = [c for c in local_slack.calls if c.method in ("chat.postEphemeral", "chat.postMessage")]
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Either the user heard another way, or the operator can see what was lost.
    assert told or logged


async def test_expired_trigger_tells_the_user_instead_of_silence(
    dispatch: Dispatch, runtime: Runtime, local_slack: LocalSlack
) -> None:
    trigger = new_trigger_id()
    local_slack.expire_trigger(trigger)
    response = await dispatch(
        slash_command(
            "/escalate",
            "",
            trigger_id=trigger,
            response_url=local_slack.response_url(channel="C0OPS"),
        )
    )
    assert response.status == 200
    await settle(runtime, horizon=3.0)
    assert len(local_slack.calls_to("views.open")) == 1
    told = [
        c
        for c in local_slack.calls
        if c.method in ("chat.postEphemeral", "chat.postMessage", "response_url")
    ]
    assert told, "the user saw nothing after the form failed to open"
    assert STALE_TRIGGER_MESSAGE in json.dumps([c.args for c in told])
