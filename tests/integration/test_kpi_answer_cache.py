"""The kept /kpi answers: one per (data version, channel scope, request as typed).

A repeated question is answered from the cache; an import (by any process) changes the data
version and so the answer; a vendor channel never gets another channel's answer; a typed
`vendor:` filter follows the vendor registry, which the data version does not cover.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.runtime import Runtime
from commands.kpi.grammar import parse_kpi_text
from commands.kpi.service import snapshot_answer
from commands.scope import TEAM, scope_for_channel
from integrations.errors import UsageError
from storage.vendors import add_alias, upsert_vendor, vendor_by_slug_or_name
from tests.conftest import Dispatch
from tests.integration.test_kpi_import import SMALL, TODAY, run_import
from tests.support.slack_requests import slash_command

PERIOD = "2026-11-16..2026-11-17 vs 2026-11-09..2026-11-10"
CHANGED = (
    "date,vendor,queue,incoming,manual_incoming,solved,manual_solved,"
    "handle_seconds,handled,solve_age_seconds\n"
    "2026-11-16,acme,impersonation,1100,40,90,30,6000,30,324000\n"
)


@pytest.fixture(autouse=True)
def pinned_today(runtime: Runtime) -> None:
    """Ask every question on the day after the fixture data ends, whatever today is."""
    runtime.clock = lambda: datetime.combine(TODAY, time(12), tzinfo=UTC)


def _bind_vendors(engine: Engine) -> None:
    with Session(engine) as session:
        upsert_vendor(session, slug="acme", name="Acme", channel_id="C0ACME")
        upsert_vendor(session, slug="globex", name="Globex", channel_id="C0GLOBEX")
        session.commit()


async def _total_incoming(dispatch: Dispatch, channel_id: str, text: str = PERIOD) -> str:
    response = await dispatch(slash_command("/kpi", text, channel_id=channel_id))
    answer: dict[str, Any] = json.loads(response.body)
    first = str(answer["blocks"][2]["text"]["text"])
    assert first.startswith("*Total incoming*"), first
    return first.split("  ")[1]


async def test_each_vendor_channel_keeps_its_own_answer_and_an_import_changes_them(
    database_url: str, engine: Engine, dispatch: Dispatch, tmp_path: Path
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    _bind_vendors(engine)
    expected = {"C0ACME": "220", "C0GLOBEX": "40", "C0OPS": "260"}
    for _ in range(2):  # the second round is answered from the kept answers
        for channel, total in expected.items():
            assert await _total_incoming(dispatch, channel) == total, channel
    changed = tmp_path / "changed.csv"
    changed.write_text(CHANGED)
    assert run_import(database_url, changed)[0] == 0  # another process: a new data version
    after = {"C0ACME": "1,220", "C0GLOBEX": "40", "C0OPS": "1,260"}
    for channel, total in after.items():
        assert await _total_incoming(dispatch, channel) == total, channel


def test_a_repeat_is_the_kept_answer_until_the_data_version_moves(
    database_url: str, engine: Engine, runtime: Runtime, tmp_path: Path
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    _bind_vendors(engine)
    cache = runtime.kpi_snapshots
    request = parse_kpi_text(PERIOD, today=TODAY)
    with Session(engine) as session:
        acme = scope_for_channel(session, "C0ACME")
        globex = scope_for_channel(session, "C0GLOBEX")
        team = snapshot_answer(session=session, request=request, scope=TEAM, cache=cache)
        again = snapshot_answer(session=session, request=request, scope=TEAM, cache=cache)
        of_acme = snapshot_answer(session=session, request=request, scope=acme, cache=cache)
        of_globex = snapshot_answer(session=session, request=request, scope=globex, cache=cache)
    assert again is team
    assert team.filters == {}
    assert of_acme.filters == {"vendor": ("acme",)}
    assert of_globex.filters == {"vendor": ("globex",)}
    assert of_acme.lines[0].value == 220 and of_globex.lines[0].value == 40
    changed = tmp_path / "changed.csv"
    changed.write_text(CHANGED)
    assert run_import(database_url, changed)[0] == 0
    with Session(engine) as session:
        fresh = snapshot_answer(session=session, request=request, scope=TEAM, cache=cache)
    assert fresh is not team
    assert fresh.lines[0].value == 1260


def test_a_typed_vendor_filter_follows_the_vendor_registry(
    database_url: str, engine: Engine, runtime: Runtime
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    _bind_vendors(engine)
    cache = runtime.kpi_snapshots
    request = parse_kpi_text(f"{PERIOD} vendor:roadrunner", today=TODAY)
    with Session(engine) as session:
        with pytest.raises(UsageError):
            snapshot_answer(session=session, request=request, scope=TEAM, cache=cache)
        vendor = vendor_by_slug_or_name(session, "acme")
        assert vendor is not None
        add_alias(session, vendor, "roadrunner")  # no KPI data changed: same data version
        session.commit()
        answer = snapshot_answer(session=session, request=request, scope=TEAM, cache=cache)
    assert answer.filters == {"vendor": ("acme",)}
    assert answer.lines[0].value == 220
