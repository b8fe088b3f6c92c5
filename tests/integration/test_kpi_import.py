"""`opsbot kpi import`: hand-computed sums, idempotent re-import, atomic rejection (exit 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app as cli
from commands.kpi.grammar import parse_kpi_text
from commands.kpi.registry import load_registry
from commands.kpi.snapshot import build_snapshot
from storage.kpi import KpiFact
from storage.kpi_queries import known_values
from storage.kpi_version import kpi_version

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kpi"
SMALL = FIXTURES / "small.csv"
TODAY = date(2026, 11, 22)


def run_import(database_url: str, *files: Path) -> tuple[int, str]:
    """Run `opsbot kpi import` against `database_url`; return (exit code, output)."""
    result = CliRunner().invoke(
        cli, ["kpi", "import", *map(str, files)], env={"DATABASE_URL": database_url}
    )
    return result.exit_code, result.output


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(KpiFact)).scalar_one())


def _snapshot(engine: Engine, text: str) -> dict[str, float | None]:
    request = parse_kpi_text(text, today=TODAY)
    with Session(engine) as session:
        snap = build_snapshot(
            session=session, request=request, filters=request.filters, registry=load_registry(None)
        )
    return {line.kpi.key: line.value for line in snap.lines} | {
        f"prev_{line.kpi.key}": line.previous for line in snap.lines
    }


def test_import_sums_match_hand_computed_values(database_url: str, engine: Engine) -> None:
    code, output = run_import(database_url, SMALL)
    assert code == 0, output
    assert "imported 6 rows, 4 periods, 3 slices" in output
    values = _snapshot(engine, "2026-11-16..2026-11-17 vs 2026-11-09..2026-11-10")
    assert values["incoming"] == 260  # 100 + 10 + 120 + 30
    assert values["manual_incoming"] == 110
    assert values["solved"] == 230
    assert values["manual_solved"] == 90
    assert values["aht"] == pytest.approx(26000 / 90)  # Σ handle_seconds / Σ handled
    assert values["aas"] == pytest.approx(828000 / 230)
    assert values["automation"] == pytest.approx(1 - 90 / 230)
    assert values["prev_incoming"] == 100
    assert values["prev_aht"] == pytest.approx(9500 / 45)
    acme = _snapshot(engine, "2026-11-17 vendor:acme")
    assert (acme["incoming"], acme["prev_incoming"]) == (120, 100)
    nothing = _snapshot(engine, "2026-10-01")
    assert nothing["incoming"] is None and nothing["aht"] is None


def test_reimport_replaces_instead_of_adding(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    code, first = run_import(database_url, SMALL)
    assert code == 0 and "(6 new or changed)" in first, first
    with engine.connect() as connection:
        version = kpi_version(connection)
    code, again = run_import(database_url, SMALL)
    assert code == 0 and "nothing new or changed" in again, again
    with engine.connect() as connection:
        assert kpi_version(connection) == version  # kept answers stay valid
    assert _count(engine) == 6
    corrected = tmp_path / "fix.csv"
    corrected.write_text("date,vendor,queue,incoming\n2026-11-16,acme,impersonation,150\n")
    code, fixed = run_import(database_url, corrected)
    assert code == 0 and "(1 new or changed)" in fixed, fixed
    values = _snapshot(engine, "2026-11-16 vendor:acme")
    # The re-imported slice has no manual_incoming column: absent, not the old 40.
    assert values["incoming"] == 150 and values["manual_incoming"] is None
    assert _count(engine) == 6


@pytest.mark.parametrize(
    ("content", "where", "problem"),
    [
        ("date,vendor,colour\n2026-11-16,acme,red\n", ":1:3:", "unknown column 'colour'"),
        ("date,incoming\n2026-11-16,5\n2026-11-17,-1\n", ":3:2:", "negative count incoming=-1"),
        (
            "date,incoming,manual_incoming\n2026-11-16,5,3\n2026-11-17,5,9\n",
            ":3:3:",
            "manual_incoming (9) > incoming (5)",
        ),
        ("date,incoming\n2026-11-16,5\n16/11/2026,5\n", ":3:1:", "unparseable date '16/11/2026'"),
        (
            "date,vendor,incoming\n2026-11-16,acme,5\n2026-11-16,acme,6\n",
            ":3:1:",
            "duplicate row: same period and slice as line 2",
        ),
        ("hour,incoming\n2026-11-16T10:30:00,5\n", ":2:1:", "not on the hour"),
        ("date,incoming\n2026-11-16,many\n", ":2:2:", "incoming is not a number"),
    ],
)
def test_bad_file_changes_nothing_and_exits_2(
    database_url: str, engine: Engine, tmp_path: Path, content: str, where: str, problem: str
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    # A good file listed first must not be half-imported either.
    good = tmp_path / "good.csv"
    good.write_text("date,vendor,incoming\n2026-11-18,acme,999\n")
    code, output = run_import(database_url, good, bad)
    assert code == 2
    assert f"{bad}{where}" in output and problem in output
    assert _count(engine) == 6
    with Session(engine) as session:
        assert _snapshot(engine, "2026-11-18")["incoming"] is None
        assert "acme" in known_values(session)["vendor"]


def test_hourly_rows_roll_up_to_days_in_the_team_time_zone(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    hourly = tmp_path / "hourly.csv"
    hourly.write_text(
        "hour,vendor,incoming,handle_seconds,handled\n"
        "2026-11-16T10:00:00Z,acme,10,600,2\n"
        "2026-11-16T23:00:00+00:00,acme,5,300,3\n"
        "2026-11-17T01:00:00+03:00,acme,7,,\n"
    )
    code, output = run_import(database_url, hourly)
    assert code == 0, output
    values = _snapshot(engine, "2026-11-16")
    assert values["incoming"] == 22  # all three are on 16 Nov in UTC
    assert values["aht"] == pytest.approx(900 / 5)
