"""/kpi why finds the demo's planted spike whatever weekday it falls on.

`opsbot demo` ends its data yesterday and plants the spike three days before that, so the
spike's weekday depends on the day the demo is loaded. The answer must not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.kpi.demo_data import DemoSummary
from tests.conftest import Dispatch
from tests.integration.test_kpi_why_demo import _sentence, _why
from tests.support.demo_databases import DemoTemplates

# Seven consecutive last days: the spike lands once on every weekday.
LAST_DAYS = [date(2026, 11, 30) + timedelta(days=offset) for offset in range(7)]


@pytest.fixture
def demo_summary(
    last_day: date, backend: str, tmp_path: Path, demo_templates: DemoTemplates
) -> Iterator[tuple[str, DemoSummary]]:
    """Copy the KPI demo ending `last_day` (loaded once per run); yield its URL and summary."""
    with demo_templates.database(backend, tmp_path, end=last_day) as loaded:
        yield loaded


@pytest.fixture
def database_url(demo_summary: tuple[str, DemoSummary]) -> str:
    """The test starts on the KPI demo data ending on its `last_day`."""
    return demo_summary[0]


@pytest.mark.parametrize("last_day", LAST_DAYS, ids=lambda d: d.strftime("%a"))
async def test_why_names_the_planted_spike_on_every_weekday(
    last_day: date,
    demo_summary: tuple[str, DemoSummary],
    runtime: Runtime,
    dispatch: Dispatch,
    local_slack: LocalSlack,
) -> None:
    summary = demo_summary[1]
    assert summary.last_day == last_day
    now = datetime.combine(last_day + timedelta(days=1), time(9), tzinfo=UTC)
    runtime.clock = lambda: now
    day = summary.spike_day.isoformat()
    usual = _sentence(await _why(dispatch, local_slack, f"why manual_incoming {day}", "C0USUAL"))
    assert "of the change comes from queue:impersonation × vendor:acme" in usual, usual
    week_before = (summary.spike_day - timedelta(days=7)).isoformat()
    vs = _sentence(
        await _why(dispatch, local_slack, f"why manual_incoming {day} vs {week_before}", "C0VS")
    )
    assert "of the change comes from queue:impersonation × vendor:acme" in vs, vs
