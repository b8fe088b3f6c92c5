"""/kpi answers read right: whole headers, points for rates, no pointless buttons or cards."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.integration.test_kpi_import import SMALL, TODAY, run_import
from tests.support.answers import ok_body
from tests.support.slack_requests import block_action, slash_command

PERIOD = "2026-11-16..2026-11-17 vs 2026-11-09..2026-11-10"


@pytest.fixture(autouse=True)
def pinned_today(runtime: Runtime) -> None:
    runtime.clock = lambda: datetime.combine(TODAY, time(12), tzinfo=UTC)


def _buttons(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e
        for b in answer.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def test_breakdown_headers_are_whole_and_rates_change_in_points(
    database_url: str, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    button = _buttons(ok_body(await dispatch(slash_command("/kpi", PERIOD))))[
        "kpi_breakdown_vendor"
    ]
    url = local_slack.response_url(channel="C0OPS")
    assert (
        await dispatch(block_action("kpi_breakdown_vendor", button["value"], response_url=url))
    ).status == 200
    (message,) = local_slack.messages("C0OPS")
    table = message["blocks"][1]["text"]["text"]
    header = table.splitlines()[1]
    assert "Automation rate" in header and "Total incoming" in header
    acme = next(line for line in table.splitlines() if line.startswith("acme"))
    assert acme.rstrip().endswith("pp")  # the automation rate's change is in points


async def test_a_view_of_one_vendor_offers_no_break_down_by_vendor(
    database_url: str, dispatch: Dispatch
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    buttons = _buttons(ok_body(await dispatch(slash_command("/kpi", f"{PERIOD} vendor:acme"))))
    assert "kpi_breakdown_vendor" not in buttons
    assert "kpi_breakdown_queue" in buttons
    several = _buttons(
        ok_body(await dispatch(slash_command("/kpi", f"{PERIOD} vendor:acme,globex")))
    )
    assert "kpi_breakdown_vendor" in several


async def test_a_period_without_data_answers_privately_with_what_to_try(
    database_url: str, dispatch: Dispatch
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    answer = ok_body(await dispatch(slash_command("/kpi", "today")))
    assert answer["response_type"] == "ephemeral"
    assert "blocks" not in answer
    assert "No KPI data for today" in answer["text"] and "data runs through" in answer["text"]


async def test_a_kpi_named_in_a_snapshot_is_explained_not_guessed(
    database_url: str, dispatch: Dispatch
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    answer = ok_body(await dispatch(slash_command("/kpi", "manual incoming")))
    assert answer["response_type"] == "ephemeral"
    assert "`manual incoming` is a KPI" in answer["text"]
    assert "/kpi why manual_incoming" in answer["text"]
    assert "did you mean `incoming`" not in answer["text"]
    why = ok_body(await dispatch(slash_command("/kpi", f"why manual incoming {PERIOD}")))
    assert "did not understand" not in json.dumps(why)
