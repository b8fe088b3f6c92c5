"""/kpi why through signed requests on the `opsbot demo` data, with the runtime's clock pinned.

The demo plants two things: a +60 % manual-incoming spike on impersonation × acme three
days before its last day, and a globex AHT drift over its last three weeks. `/kpi why`
must name both, the drift as a rate change, and say what it compared against.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot.local_slack import LocalSlack
from bot.runtime import Runtime
from commands.kpi.demo_data import load_kpi_demo
from commands.kpi.registry import load_registry
from commands.kpi.spikes import SpikeParams
from storage.engine import session_factory, unit_of_work
from tests.conftest import Dispatch
from tests.support.slack_requests import block_action, slash_command

LAST_DAY = date(2026, 11, 30)  # a Monday; the demo's spike is on Friday 2026-11-27
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def _why(
    dispatch: Dispatch, local_slack: LocalSlack, text: str, channel: str
) -> dict[str, Any]:
    """Run `/kpi why …` and return the finding it posted to the response URL."""
    url = local_slack.response_url(channel=channel)
    response = await dispatch(slash_command("/kpi", text, channel_id="C0OPS", response_url=url))
    assert response.status == 200
    (message,) = local_slack.messages(channel)
    return message


def _sentence(message: dict[str, Any]) -> str:
    return str(message["blocks"][0]["text"]["text"])


async def test_why_on_the_demo_names_the_planted_spike_and_drift(
    engine: Engine, runtime: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    with unit_of_work(session_factory(engine)) as session:
        summary = load_kpi_demo(
            session=session, end=LAST_DAY, registry=load_registry(None), params=SpikeParams()
        )
    assert summary.spike_day == date(2026, 11, 27)
    # Today comes from the runtime's clock, not the machine's.
    runtime.clock = lambda: NOW

    spike = await _why(dispatch, local_slack, "why manual_incoming 2026-11-27", "C0SPIKE")
    sentence = _sentence(spike)
    assert sentence.startswith("Manual incoming +")
    assert "vs a usual Friday (median of the previous 6)" in sentence
    assert "of the change comes from queue:impersonation × vendor:acme" in sentence
    assert "confidence" in sentence and "explain" in sentence
    escalate = spike["blocks"][-1]["elements"][0]
    assert escalate["action_id"] == "escalation_from_finding"
    carried = json.loads(escalate["value"])
    assert carried["vendor"] == "acme" and "impersonation" in carried["title"]

    week_ago = await _why(
        dispatch, local_slack, "why manual_incoming 2026-11-27 vs 2026-11-20", "C0WEEKAGO"
    )
    sentence = _sentence(week_ago)
    assert "vs 2026-11-20." in sentence
    assert "of the change comes from queue:impersonation × vendor:acme" in sentence

    drift = _sentence(await _why(dispatch, local_slack, "why aht 28d", "C0DRIFT"))
    assert drift.startswith("AHT +")
    assert "vs usual (same-weekday median of the previous 6 weeks)" in drift
    assert "of the change comes from vendor:globex" in drift
    assert "rate (the slice itself changed)" in drift
    assert "mix (volume moved)" not in drift

    weeks = _sentence(await _why(dispatch, local_slack, "why aht w47 vs w44", "C0WEEKS"))
    assert "vs w44 (scaled" not in weeks and "vs w44." in weeks
    assert "week over week" not in weeks
    assert "vendor:globex" in weeks


async def test_why_button_gives_the_commands_answer(
    engine: Engine, runtime: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    with unit_of_work(session_factory(engine)) as session:
        load_kpi_demo(
            session=session, end=LAST_DAY, registry=load_registry(None), params=SpikeParams()
        )
    runtime.clock = lambda: NOW
    snapshot = await dispatch(slash_command("/kpi", "2026-11-27", channel_id="C0OPS"))
    answer = json.loads(snapshot.body)
    why = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "kpi_why"
    )
    kpi = json.loads(why["value"])["kpi"]
    url = local_slack.response_url(channel="C0BUTTON")
    clicked = await dispatch(block_action("kpi_why", why["value"], response_url=url))
    assert clicked.status == 200
    (from_button,) = local_slack.messages("C0BUTTON")
    from_command = await _why(dispatch, local_slack, f"why {kpi} 2026-11-27", "C0COMMAND")
    assert _sentence(from_button) == _sentence(from_command)
    assert "vs a usual Friday" in _sentence(from_button)
