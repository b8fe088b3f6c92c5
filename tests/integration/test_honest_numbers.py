"""Honest numbers through the front door: periods end at the data, unequal lengths scaled."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_kpi_import import run_import
from tests.support import slack_requests as sr

FIRST, LAST = date(2026, 9, 1), date(2026, 10, 31)  # a Saturday
# Monday 2 Nov 09:00 in Manila: yesterday (Sun 1 Nov) has no data yet.
MONDAY_MANILA = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def steady_csv(tmp_path: Path, first: date = FIRST, last: date = LAST) -> Path:
    """Write the same numbers every day for two vendors: any change shown is an artefact."""
    lines = ["date,queue,vendor,incoming,manual_incoming,solved,manual_solved"]
    day = first
    while day <= last:
        lines.append(f"{day},impersonation,acme,100,40,90,30")
        lines.append(f"{day},copyright,globex,50,20,45,15")
        day += timedelta(days=1)
    path = tmp_path / "steady.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def everything(answer: dict[str, Any]) -> str:
    return str(answer.get("text", "")) + json.dumps(answer.get("blocks", []), ensure_ascii=False)


async def ask(dispatch: Dispatch, command: str, text: str) -> dict[str, Any]:
    response = await dispatch(sr.slash_command(command, text))
    assert response.status == 200
    answer: dict[str, Any] = json.loads(response.body)
    return answer


async def test_week_ends_at_the_data_and_says_so(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    assert run_import(database_url, steady_csv(tmp_path))[0] == 0
    runtime.clock = Clock(MONDAY_MANILA)
    shown = everything(await ask(dispatch, "/kpi", "week vendor:acme"))
    assert "2026-10-25 – 2026-10-31" in shown
    assert "data through 2026-10-31" in shown
    assert "Total incoming*  700" in shown  # seven whole days, not six
    assert "+0 (+0.0%)" in shown
    assert "vs 2026-10-18 – 2026-10-24" in shown


async def test_unequal_comparison_is_scaled_and_the_answer_says_so(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    assert run_import(database_url, steady_csv(tmp_path))[0] == 0
    runtime.clock = Clock(MONDAY_MANILA)
    shown = everything(await ask(dispatch, "/kpi", "28d vs last-month vendor:acme"))
    assert "Total incoming*  2,800" in shown
    assert "scaled by 28/31" in shown
    assert "+0 (+0.0%)" in shown  # 3,100 over 31 days is 2,800 over 28


async def test_digest_compares_complete_weeks_only(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path, local_slack: LocalSlack
) -> None:
    local_slack.add_channel("C0ACME", "acme-idops")
    assert run_import(database_url, steady_csv(tmp_path))[0] == 0
    runtime.clock = Clock(MONDAY_MANILA - timedelta(days=3))
    add = 'add vendor:"Acme BPO" channel:#acme-idops every:"mon 09:00" tz:Asia/Manila'
    assert "scheduled" in (await ask(dispatch, "/checkin", add))["text"]
    runtime.clock = Clock(MONDAY_MANILA)
    shown = everything(await ask(dispatch, "/checkin", "preview acme"))
    assert "data through 2026-10-31" in shown
    assert "*Total incoming* 700 (+0 (+0.0%) vs 2026-10-18 – 2026-10-24)" in shown
    assert "week over week" not in shown


async def test_hourly_data_counts_only_complete_days(
    dispatch: Dispatch, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    lines = ["hour,vendor,incoming"]
    day = date(2026, 10, 10)
    while day <= date(2026, 10, 31):
        hours = 10 if day == date(2026, 10, 31) else 24  # the last day is still coming in
        lines += [f"{day}T{h:02d}:00:00Z,acme,10" for h in range(hours)]
        day += timedelta(days=1)
    path = tmp_path / "hourly.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_import(database_url, path)[0] == 0
    runtime.clock = Clock(MONDAY_MANILA)
    shown = everything(await ask(dispatch, "/kpi", "week"))
    assert "2026-10-24 – 2026-10-30" in shown
    assert "Total incoming*  1,680" in shown  # 7 × 24 × 10: complete days only
