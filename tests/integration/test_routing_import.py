"""`opsbot routing import`: stored as given, re-import replaces, a bad line writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app as cli
from commands.routing.analysis import RoutingParams
from commands.routing.parsing import parse_period_option
from commands.routing.service import analyse_stored, report_json
from commands.scope import ChannelScope
from storage.routing import RoutingCase
from storage.vendors import Vendor

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "routing" / "small.csv"
HEADER = (
    "case_id,created_at,channel,reason,initial_queue,final_queue,transfers,"
    "first_response_at,solved_at,vendor,country,language\n"
)
GOOD = "g1,2026-11-02T09:00:00Z,web,login,support,security,1,,,acme,DE,de\n"


def run_import(database_url: str, *files: Path) -> tuple[int, str]:
    """Run `opsbot routing import` against `database_url`; return (exit code, output)."""
    result = CliRunner().invoke(
        cli, ["routing", "import", *map(str, files)], env={"DATABASE_URL": database_url}
    )
    return result.exit_code, result.output


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(RoutingCase)).scalar_one())


def test_import_stores_every_column(database_url: str, engine: Engine) -> None:
    code, output = run_import(database_url, SMALL)
    assert code == 0, output
    assert "imported 7 cases from 1 file(s)" in output
    with Session(engine) as session:
        c2 = session.get(RoutingCase, "c2")
        c7 = session.get(RoutingCase, "c7")
    assert c2 is not None and c7 is not None
    assert c2.created_at == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # +01:00 read as UTC
    assert (c2.channel, c2.reason, c2.initial_queue, c2.final_queue) == (
        "chat",
        "refund",
        "billing",
        "billing",
    )
    assert c2.first_response_at == datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
    assert (c2.transfers, c2.vendor, c2.country, c2.language) == (0, "acme", "DE", "de")
    # Optional cells left empty are absent, not zero or "".
    assert (c7.channel, c7.transfers, c7.first_response_at, c7.vendor) == (None, None, None, None)
    assert c7.created_at == datetime(2026, 11, 15, 8, 0, tzinfo=UTC)  # no offset: UTC


def test_reimport_replaces_a_case(database_url: str, engine: Engine, tmp_path: Path) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    assert run_import(database_url, SMALL)[0] == 0
    assert _count(engine) == 7
    fix = tmp_path / "fix.csv"
    fix.write_text(HEADER + "c3,2026-11-04T08:00:00Z,,refund,billing,billing,0,,,,,\n")
    assert run_import(database_url, fix)[0] == 0
    assert _count(engine) == 7
    with Session(engine) as session:
        c3 = session.get(RoutingCase, "c3")
    assert c3 is not None
    assert (c3.final_queue, c3.transfers, c3.solved_at, c3.vendor) == ("billing", 0, None, None)


BAD_LINES = [
    ("c1,2026-13-01T00:00:00Z,web,x,p,p,0,,,,,", 2, "unparseable created_at"),
    (",2026-11-01T00:00:00Z,web,x,p,p,0,,,,,", 1, "case_id is empty"),
    ("c1,2026-11-01T00:00:00Z,web,,p,p,0,,,,,", 4, "reason is empty"),
    ("c1,2026-11-01T00:00:00Z,web,x,p,q,0,,,,,", 7, "transfers is 0 but final_queue differs"),
    ("c1,2026-11-01T00:00:00Z,web,x,p,q,-1,,,,,", 7, "transfers is not a whole number"),
    ("c1,2026-11-01T00:00:00Z,web,x,p,q,1,2026-10-31T00:00:00Z,,,,", 8, "before created_at"),
    ("c1,2026-11-01T00:00:00Z,web,x,p,q,1,,2026-10-31,,,", 9, "solved_at is before"),
    ("c1,2026-11-01T00:00:00Z,web,x\x00,p,q,1,,,,,", 4, "control character"),
    ("c1,2026-11-01T00:00:00Z,web,x,p,q,1,,,,,,", 13, "13 cells, the header has 12"),
    ("g1,2026-11-01T00:00:00Z,web,x,p,q,1,,,,,", 1, "already given at"),
    ("c1,2026-11-01T00:00:00Z,web," + "r" * 121 + ",p,q,1,,,,,", 4, "longer than 120"),
]


@pytest.mark.parametrize(("line", "column", "problem"), BAD_LINES)
def test_bad_line_names_file_line_column_and_writes_nothing(
    database_url: str, engine: Engine, tmp_path: Path, line: str, column: int, problem: str
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(HEADER + GOOD)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD.replace("g1", "g2") + line + "\n")
    code, output = run_import(database_url, first, bad)
    assert code == 2, output
    assert f"{bad}:3:{column}: " in output and problem in output, output
    assert _count(engine) == 0


def test_bad_header_is_refused(database_url: str, engine: Engine, tmp_path: Path) -> None:
    cases = {
        "case_id,created_at,reason,initial_queue\n": "1:1: missing column(s): final_queue",
        HEADER.replace("vendor", "partner"): "1:10: unknown column 'partner'",
        "": "1:1: empty file",
    }
    for header, message in cases.items():
        path = tmp_path / "h.csv"
        path.write_text(header)
        code, output = run_import(database_url, path)
        assert code == 2 and message in output, output
    code, output = run_import(database_url, tmp_path / "missing.csv")
    assert code == 2 and "cannot open" in output
    assert _count(engine) == 0


def test_stored_analysis_agrees_with_the_file_report_and_keeps_to_the_vendor(
    database_url: str, engine: Engine
) -> None:
    assert run_import(database_url, SMALL)[0] == 0
    params = RoutingParams(min_cases=1)
    window = parse_period_option(None)
    file_report = CliRunner().invoke(
        cli, ["routing", "report", str(SMALL), "--json", "--min-cases", "1"]
    )
    with Session(engine) as session:
        stored = analyse_stored(
            session=session,
            window=window,
            filters={},
            scope=ChannelScope(vendor=None),
            params=params,
        )
        acme = analyse_stored(
            session=session,
            window=window,
            filters={},
            scope=ChannelScope(vendor=Vendor(slug="acme", name="Acme")),
            params=params,
        )
    assert report_json(stored) == json.loads(file_report.stdout)
    assert (acme.cases, acme.misrouted) == (4, 2)  # c1, c2, c4, c6


def test_stored_window_includes_its_first_instant_and_excludes_its_end(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "edges.csv"
    path.write_text(
        HEADER
        + "e0,2026-11-01T23:59:59.999999Z,,x,p,p,0,,,,,\n"
        + "e1,2026-11-02T00:00:00Z,,x,p,p,0,,,,,\n"
        + "e2,2026-11-04T23:59:59Z,,x,p,q,1,,,,,\n"
        + "e3,2026-11-05T00:00:00Z,,x,p,q,1,,,,,\n"
    )
    assert run_import(database_url, path)[0] == 0
    with Session(engine) as session:
        analysis = analyse_stored(
            session=session,
            window=parse_period_option("2026-11-02..2026-11-04"),
            filters={},
            scope=ChannelScope(vendor=None),
            params=RoutingParams(),
        )
    assert (analysis.cases, analysis.misrouted) == (2, 1)  # e1 and e2
