"""/kpi why through signed requests on the `opsbot demo` data, with the runtime's clock pinned.

The demo plants two things: a +60 % manual-incoming spike on impersonation × acme three
days before its last day, and a globex AHT drift over its last three weeks. `/kpi why`
must name both, the drift as a rate change, and say what it compared against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.kpi.alerts import announce_spikes
from commands.kpi.chart import SPIKE_LABEL, trend_figure
from commands.kpi.demo_data import DemoSummary
from commands.kpi.grammar import parse_kpi_text
from commands.kpi.registry import load_registry
from commands.kpi.service import snapshot_answer
from commands.kpi.snapshot_cache import SnapshotCache
from commands.scope import TEAM
from storage.engine import session_factory, unit_of_work
from storage.kpi_spikes import spikes_between
from tests.conftest import Dispatch
from tests.support.demo_databases import DemoTemplates
from tests.support.slack_requests import block_action, slash_command
from tests.unit.test_kpi_chart import xs

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


@pytest.fixture
def demo_summary(
    backend: str, tmp_path: Path, demo_templates: DemoTemplates
) -> Iterator[tuple[str, DemoSummary]]:
    """Copy the KPI demo ending LAST_DAY (loaded once per run); yield its URL and summary."""
    with demo_templates.database(backend, tmp_path, end=LAST_DAY) as loaded:
        yield loaded


@pytest.fixture
def database_url(demo_summary: tuple[str, DemoSummary]) -> str:
    """Every test here starts on the KPI demo data."""
    return demo_summary[0]


def _demo_at_now(demo_summary: tuple[str, DemoSummary], runtime: Runtime) -> DemoSummary:
    """Set the runtime's clock to the day after the demo data ends; return what it loaded."""
    # Today comes from the runtime's clock, not the machine's.
    runtime.clock = lambda: NOW
    return demo_summary[1]


async def test_why_on_the_demo_names_the_planted_spike_and_drift(
    demo_summary: tuple[str, DemoSummary],
    runtime: Runtime,
    dispatch: Dispatch,
    local_slack: LocalSlack,
) -> None:
    summary = _demo_at_now(demo_summary, runtime)
    assert summary.spike_day == date(2026, 11, 27)

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
    demo_summary: tuple[str, DemoSummary],
    runtime: Runtime,
    dispatch: Dispatch,
    local_slack: LocalSlack,
) -> None:
    _demo_at_now(demo_summary, runtime)
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


async def _alerts(runtime: Runtime, local_slack: LocalSlack) -> list[dict[str, Any]]:
    """Announce the demo's recent spikes in C0OPS as the pull would; return the posts."""

    async def post(channel: str, message: dict[str, Any]) -> None:
        await runtime.slack.chat_postMessage(channel=channel, **message)

    registry = runtime.kpi_registry
    posted = await announce_spikes(
        sessions=runtime.sessions, registry=registry, channel="C0OPS", post=post
    )
    alerts = local_slack.messages("C0OPS")
    assert posted == len(alerts) > 0
    return alerts


async def test_spike_alert_why_button_gives_the_commands_answer_for_its_day_and_slice(
    demo_summary: tuple[str, DemoSummary],
    runtime: Runtime,
    dispatch: Dispatch,
    local_slack: LocalSlack,
) -> None:
    _demo_at_now(demo_summary, runtime)
    alerts = await _alerts(runtime, local_slack)
    cases = (
        (
            "Manual incoming",
            "vendor:acme",
            "why manual_incoming 2026-11-27 queue:impersonation vendor:acme",
        ),
        ("AHT", "whole team on Thu 26 Nov", "why aht 2026-11-26"),
    )
    for label, where, typed in cases:
        alert = next(m for m in alerts if f"*{label}*" in m["text"] and where in m["text"])
        button = alert["blocks"][-1]["elements"][0]
        assert button["action_id"] == "kpi_why" and button["text"]["text"] == "Why?"
        channel = f"C0BTN{len(label)}"
        url = local_slack.response_url(channel=channel)
        clicked = await dispatch(
            block_action("kpi_why", button["value"], channel_id="C0OPS", response_url=url)
        )
        assert clicked.status == 200
        (from_button,) = local_slack.messages(channel)
        from_command = await _why(dispatch, local_slack, typed, f"C0CMD{len(label)}")
        assert from_button["blocks"] == from_command["blocks"]
        assert from_button["text"] == from_command["text"]
    team_drift = _sentence(from_button)
    assert "vs a usual Thursday" in team_drift
    assert "vendor:globex" in team_drift and "rate (the slice itself changed)" in team_drift


async def test_open_escalation_carries_the_finding_into_the_form(
    demo_summary: tuple[str, DemoSummary],
    runtime: Runtime,
    dispatch: Dispatch,
    local_slack: LocalSlack,
) -> None:
    _demo_at_now(demo_summary, runtime)
    finding = await _why(dispatch, local_slack, "why manual_incoming 2026-11-27", "C0FIND")
    button = finding["blocks"][-1]["elements"][0]
    assert button["action_id"] == "escalation_from_finding"
    opened = await dispatch(block_action("escalation_from_finding", button["value"]))
    assert opened.status == 200
    (call,) = local_slack.calls_to("views.open")
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    by_block = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert by_block["title"]["initial_value"] == (
        "Manual incoming change: queue:impersonation × vendor:acme"
    )
    assert by_block["vendor"]["initial_option"]["value"] == "acme"
    description = by_block["description"]["initial_value"]
    assert description.startswith(_sentence(finding))
    assert "Period: 2026-11-27" in description and "whole team" in description
    assert "1. queue:impersonation × vendor:acme:" in description


async def test_chart_marks_the_days_the_spike_detector_flagged(
    engine: Engine, runtime: Runtime
) -> None:
    registry = load_registry(None)
    with unit_of_work(session_factory(engine)) as session:
        request = parse_kpi_text(
            "2026-11-01..2026-11-30 vendor:globex", today=NOW.date(), kpi_keys=registry.keys
        )
        snapshot = snapshot_answer(
            session=session, request=request, scope=TEAM, cache=SnapshotCache(registry)
        )
        flagged = spikes_between(
            session, start=date(2026, 11, 1), end=LAST_DAY, slice_keys=["vendor=globex"]
        )
    figure = trend_figure(snapshot)
    minutes = next(ax for ax in figure.axes if ax.get_ylabel() == "minutes")
    (markers,) = [x for x in minutes.get_lines() if x.get_label() == SPIKE_LABEL]
    expected = sorted({s.day.isoformat() for s in flagged if s.kpi == "aht"})
    assert expected  # the demo's globex drift
    assert xs(markers) == expected
