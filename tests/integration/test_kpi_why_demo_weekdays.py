"""/kpi why finds the demo's planted spike whatever weekday it falls on.

`opsbot demo` ends its data yesterday and plants the spike three days before that, so the
spike's weekday depends on the day the demo is loaded. The answer must not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from commands.kpi.demo_data import load_kpi_demo
from commands.kpi.registry import load_registry
from commands.kpi.spikes import SpikeParams
from storage.engine import session_factory, unit_of_work
from tests.conftest import Dispatch
from tests.integration.test_kpi_why_demo import _sentence, _why

# Seven consecutive last days: the spike lands once on every weekday.
LAST_DAYS = [date(2026, 11, 30) + timedelta(days=offset) for offset in range(7)]


@pytest.mark.parametrize("last_day", LAST_DAYS, ids=lambda d: d.strftime("%a"))
async def test_why_names_the_planted_spike_on_every_weekday(
    last_day: date, engine: Engine, runtime: Runtime, dispatch: Dispatch, local_slack: LocalSlack
) -> None:
    with unit_of_work(session_factory(engine)) as session:
        summary = load_kpi_demo(
            session=session, end=last_day, registry=load_registry(None), params=SpikeParams()
        )
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
