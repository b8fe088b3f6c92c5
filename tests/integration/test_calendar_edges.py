"""The calendar's hard days: a year boundary, a leap day and a DST change in the vendor's zone.

Each test pins the runtime's clock to the instant it is about, so it proves the same thing on
whatever day (and on whatever moved clock) the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from tests.conftest import Dispatch
from tests.integration.test_checkin_runs import digests, make_checkin, runner_of, runs
from tests.integration.test_kpi_import import run_import
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command

HEADER = "date,vendor,queue,incoming,manual_incoming,solved,manual_solved"


def _write_days(path: Path, first: date, last: date, incoming: Callable[[date], int]) -> Path:
    """Write one acme row a day from `first` to `last` with `incoming(day)` reports."""
    rows = [HEADER]
    day = first
    while day <= last:
        count = incoming(day)
        rows.append(f"{day.isoformat()},acme,impersonation,{count},{count // 2},{count},0")
        day += timedelta(days=1)
    path.write_text("\n".join(rows) + "\n")
    return path


def _pin(runtime: Runtime, instant: datetime) -> None:
    runtime.clock = lambda: instant


def _header_and_first_section(answer: dict[str, Any]) -> tuple[str, str, str]:
    blocks = answer["blocks"]
    header = blocks[0]["text"]["text"]
    context = blocks[1]["elements"][0]["text"]
    section = next(b["text"]["text"] for b in blocks if b["type"] == "section")
    return header, context, section


async def test_week_across_the_year_boundary_compares_the_right_seven_days(
    runtime: Runtime, database_url: str, dispatch: Dispatch, tmp_path: Path
) -> None:
    # 10 a day in the week of Christmas, 30 a day in the last week of the year.
    csv = _write_days(
        tmp_path / "yearend.csv",
        date(2026, 12, 18),
        date(2027, 1, 1),
        lambda d: 30 if d >= date(2026, 12, 25) else 10,
    )
    assert run_import(database_url, csv)[0] == 0
    _pin(runtime, datetime(2027, 1, 1, 12, 0, tzinfo=UTC))
    header, context, section = _header_and_first_section(
        ok_body(await dispatch(slash_command("/kpi", "week")))
    )
    assert "2026-12-25 – 2026-12-31" in header
    assert "2026-12-18 – 2026-12-24" in context
    assert section.startswith("*Total incoming*  210  ▲ +140 (+200%)")


async def test_last_month_after_a_leap_february_has_29_days(
    runtime: Runtime, database_url: str, dispatch: Dispatch, tmp_path: Path
) -> None:
    csv = _write_days(tmp_path / "leap.csv", date(2028, 1, 1), date(2028, 3, 1), lambda d: 1)
    assert run_import(database_url, csv)[0] == 0
    _pin(runtime, datetime(2028, 3, 1, 9, 0, tzinfo=UTC))
    header, _, section = _header_and_first_section(
        ok_body(await dispatch(slash_command("/kpi", "last-month")))
    )
    assert "2028-02-01 – 2028-02-29" in header
    assert section.startswith("*Total incoming*  29")
    header, _, section = _header_and_first_section(
        ok_body(await dispatch(slash_command("/kpi", "2028-02-29")))
    )
    assert "2028-02-29" in header
    assert section.startswith("*Total incoming*  1 ")


async def test_leap_day_in_a_year_without_one_is_a_usage_message(
    runtime: Runtime, dispatch: Dispatch
) -> None:
    _pin(runtime, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    answer = ok_body(await dispatch(slash_command("/kpi", "2027-02-29")))
    assert answer["response_type"] == "ephemeral"
    assert "2027-02-29" in answer["text"]
    assert "Traceback" not in answer["text"]


@pytest.mark.parametrize(
    ("zone", "before_change", "after_change"),
    [
        # US clocks spring forward on Sun 2027-03-14; Monday 09:00 moves from 17:00 to 16:00 UTC.
        ("America/Los_Angeles", datetime(2027, 3, 8, 17, 0), datetime(2027, 3, 15, 16, 0)),
        # UK clocks fall back on Sun 2027-10-31; Monday 09:00 moves from 08:00 to 09:00 UTC.
        ("Europe/London", datetime(2027, 10, 25, 8, 0), datetime(2027, 11, 1, 9, 0)),
    ],
)
async def test_weekly_check_in_keeps_nine_o_clock_local_across_a_dst_change(
    runtime: Runtime,
    local_slack: LocalSlack,
    zone: str,
    before_change: datetime,
    after_change: datetime,
) -> None:
    before, after = before_change.replace(tzinfo=UTC), after_change.replace(tzinfo=UTC)
    local_slack.add_channel("C0ACME", "acme-idops")
    schedule_id = make_checkin(runtime, tz=zone, since=before - timedelta(days=1))
    runner = runner_of(runtime)
    await runner.tick(now=before + timedelta(minutes=1))
    # One minute before the new UTC time nothing is due, whatever the old offset said.
    await runner.tick(now=after - timedelta(minutes=1))
    assert len(digests(local_slack, "C0ACME")) == 1
    await runner.tick(now=after + timedelta(minutes=1))
    assert len(digests(local_slack, "C0ACME")) == 2
    fired = [r.fire_time.astimezone(ZoneInfo(zone)) for r in runs(runtime, schedule_id)]
    assert [(t.weekday(), t.hour, t.minute) for t in fired] == [(0, 9, 0), (0, 9, 0)]
    assert [t.astimezone(UTC) for t in fired] == [before, after]
