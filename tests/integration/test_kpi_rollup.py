"""The daily rollup answers exactly what the facts answer, after imports that replace rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app as cli
from commands.kpi.grammar import parse_kpi_text
from commands.kpi.registry import load_registry
from commands.kpi.snapshot import build_breakdown, build_snapshot
from storage.kpi import MEASURES, KpiDayRollup, KpiFact
from storage.kpi_queries import Filters, data_through, grouped_sums

END = date(2026, 11, 20)
VENDORS = ("acme", "globex")
QUEUES = ("impersonation", "copyright")
COUNTRIES = ("US", "DE")
HEADER = "date,queue,vendor,country,language,incoming,manual_incoming,handle_seconds,handled\n"


def _import(database_url: str, path: Path, timezone: str = "UTC") -> None:
    result = CliRunner().invoke(
        cli,
        ["kpi", "import", str(path)],
        env={"DATABASE_URL": database_url, "OPSBOT_TIMEZONE": timezone},
    )
    assert result.exit_code == 0, result.output


def _daily_file(path: Path, *, days: int, bump: int = 0) -> Path:
    lines = [HEADER]
    for offset in range(days):
        day = END - timedelta(days=offset)
        cube = [(q, v, c) for q in QUEUES for v in VENDORS for c in COUNTRIES]
        for n, (q, v, c) in enumerate(cube):
            incoming = 10 + (n * 7 + offset * 3 + bump) % 23
            # Every fifth row has no handle data: absent, which must stay absent in the sums.
            handle = "" if (n + offset) % 5 == 0 else str(incoming * 300)
            handled = "" if (n + offset) % 5 == 0 else str(incoming // 2)
            lines.append(f"{day},{q},{v},{c},en,{incoming},{incoming // 2},{handle},{handled}\n")
    path.write_text("".join(lines))
    return path


def _reference(
    facts: Sequence[KpiFact], *, start: date, end: date, filters: Filters, by: Sequence[str]
) -> dict[tuple[Any, ...], tuple[float | None, ...]]:
    """Σ per group computed in Python straight from the stored facts."""
    groups: dict[tuple[Any, ...], list[float | None]] = {}
    for fact in facts:
        if fact.granularity != "day" or not start <= fact.day <= end:
            continue
        if any(values and getattr(fact, name) not in values for name, values in filters.items()):
            continue
        totals = groups.setdefault(tuple(getattr(fact, n) for n in by), [None] * len(MEASURES))
        for i, name in enumerate(MEASURES):
            value = getattr(fact, name)
            if value is not None:
                totals[i] = (totals[i] or 0.0) + value
    return {key: tuple(values) for key, values in groups.items()}


SHAPES: list[tuple[Filters, tuple[str, ...]]] = [
    ({}, ()),
    ({}, ("day",)),
    ({}, ("vendor",)),
    ({}, ("day", "vendor", "queue")),
    ({"vendor": ["acme"]}, ("day",)),
    ({"vendor": ["globex"], "queue": ["copyright"]}, ("queue",)),
    ({"country": ["DE"]}, ("day",)),
    ({}, ("country",)),
    ({"vendor": ["acme"], "country": ["US"]}, ("queue",)),
    ({"country": ["DE"], "language": ["en"]}, ("day",)),  # the facts answer this one
    ({}, ("country", "language")),  # and this one
]


@pytest.mark.parametrize(("filters", "by"), SHAPES)
def test_grouped_sums_equal_the_facts_after_a_replacing_reimport(
    database_url: str, engine: Engine, tmp_path: Path, filters: Filters, by: tuple[str, ...]
) -> None:
    _import(database_url, _daily_file(tmp_path / "first.csv", days=20))
    # A correction of the last 8 days: every value changes, some measures become absent.
    _import(database_url, _daily_file(tmp_path / "fix.csv", days=8, bump=5))
    start = END - timedelta(days=13)
    with Session(engine) as session:
        facts = list(session.execute(select(KpiFact)).scalars())
        got = grouped_sums(session, granularity="day", start=start, end=END, filters=filters, by=by)
    assert dict(got) == _reference(facts, start=start, end=END, filters=filters, by=by)
    assert len(got) > 0


def test_snapshots_read_from_the_rollup_equal_those_read_from_the_facts(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    _import(database_url, _daily_file(tmp_path / "first.csv", days=20))
    _import(database_url, _daily_file(tmp_path / "first.csv", days=20))  # idempotent
    _import(database_url, _daily_file(tmp_path / "fix.csv", days=3, bump=9))
    request = parse_kpi_text("week", today=END + timedelta(days=1))
    registry = load_registry(None)
    # Every row has a country and language "en", so naming them selects the same rows,
    # through the facts (the rollup holds one dimension beyond queue and vendor).
    every_country: dict[str, tuple[str, ...]] = {"country": COUNTRIES, "language": ("en",)}
    with Session(engine) as session:
        rolled = build_snapshot(session=session, request=request, filters={}, registry=registry)
        direct = build_snapshot(
            session=session, request=request, filters=every_country, registry=registry
        )
        by_vendor = build_breakdown(
            session=session, request=request, filters={}, dimension="vendor"
        )
        by_vendor_direct = build_breakdown(
            session=session, request=request, filters=every_country, dimension="vendor"
        )
        assert data_through(session, "day") == END
    assert [(x.value, x.previous, x.series) for x in rolled.lines] == [
        (x.value, x.previous, x.series) for x in direct.lines
    ]
    assert rolled.lines[0].value is not None
    assert by_vendor == by_vendor_direct


def test_hours_moved_to_another_day_by_a_new_time_zone_leave_no_stale_sums(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    hourly = tmp_path / "hourly.csv"
    hourly.write_text(
        "hour,vendor,incoming\n"
        "2026-11-16T10:00:00Z,acme,10\n"
        "2026-11-16T20:00:00Z,acme,5\n"
        "2026-11-17T02:00:00Z,globex,7\n"
    )
    _import(database_url, hourly, timezone="UTC")
    # In Tokyo (UTC+9) the 20:00 hour counts towards the 17th: the 16th, which this import
    # does not name, loses it.
    moved = tmp_path / "moved.csv"
    moved.write_text("hour,vendor,incoming\n2026-11-16T20:00:00Z,acme,5\n")
    _import(database_url, moved, timezone="Asia/Tokyo")
    with Session(engine) as session:
        stored = {
            (r.day, r.vendor): r.incoming
            for r in session.execute(select(KpiDayRollup)).scalars()
            if r.granularity == "hour" and r.detail == ""
        }
        facts = list(session.execute(select(KpiFact)).scalars())
    expected: dict[tuple[date, str], float] = {}
    for fact in facts:
        key = (fact.day, fact.vendor)
        expected[key] = expected.get(key, 0.0) + (fact.incoming or 0.0)
    assert (
        stored
        == expected
        == {
            (date(2026, 11, 16), "acme"): 10.0,
            (date(2026, 11, 17), "acme"): 5.0,
            (date(2026, 11, 17), "globex"): 7.0,
        }
    )
