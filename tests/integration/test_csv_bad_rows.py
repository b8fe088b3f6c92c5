"""Every importer reports every bad CSV row (the first 50, then a count), and writes nothing.

The KPI, case and assessment imports share one reader (`integrations.csv_rows`); each is run
through its real CLI command here, on files with bad rows spread over two files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.assessments import AgentAssessment
from storage.kpi import KpiFact
from storage.routing import RoutingCase
from tests.integration.test_routing_import import GOOD as GOOD_CASE
from tests.integration.test_routing_import import HEADER as CASE_HEADER

KPI_HEADER = "date,vendor,incoming\n"
ASSESSMENT_HEADER = "date,vendor,assessment,agent,score,passed\n"


def run(database_url: str, *argv: str) -> tuple[int, str]:
    """Run one `opsbot` command against `database_url`; return (exit code, output)."""
    result = CliRunner().invoke(cli, list(argv), env={"DATABASE_URL": database_url})
    return result.exit_code, result.output


def count(engine: Engine, table: type[SQLModel]) -> int:
    """Return how many rows `table` holds."""
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_kpi_import_reports_every_bad_row_of_every_file(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(KPI_HEADER + "2026-11-16,acme,5\n2026-11-17,acme,-1\n2026-11-18,acme,x\n")
    second = tmp_path / "second.csv"
    second.write_text(KPI_HEADER + "16/11/2026,acme,5\n2026-11-19,acme\n2026-11-20,acme,3\n")
    code, output = run(database_url, "kpi", "import", str(first), str(second))
    assert code == 2, output
    assert "4 bad rows; nothing was imported" in output
    assert f"{first}:3:3: negative count incoming=-1" in output
    assert f"{first}:4:3: incoming is not a number" in output
    assert f"{second}:2:1: unparseable date '16/11/2026'" in output
    assert f"{second}:3:3: 2 cells, the header has 3" in output
    assert "more" not in output
    assert count(engine, KpiFact) == 0


def test_kpi_import_shows_the_first_fifty_then_how_many_more(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "many.csv"
    path.write_text(KPI_HEADER + "".join(f"2026-11-16,v{n},-{n + 1}\n" for n in range(73)))
    code, output = run(database_url, "kpi", "import", str(path))
    assert code == 2, output
    assert "73 bad rows; nothing was imported" in output
    assert f"{path}:51:3: " in output  # the 50th bad row (line 1 is the header)
    assert f"{path}:52:3: " not in output
    assert "and 23 more" in output
    assert count(engine, KpiFact) == 0


def test_a_bad_header_stops_only_its_own_file(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("date,colour\n2026-11-16,red\n")
    bad_row = tmp_path / "row.csv"
    bad_row.write_text(KPI_HEADER + "2026-11-16,acme,-3\n")
    code, output = run(database_url, "kpi", "import", str(bad_header), str(bad_row))
    assert code == 2, output
    assert f"{bad_header}:1:2: unknown column 'colour'" in output
    assert f"{bad_row}:2:3: negative count incoming=-3" in output
    assert count(engine, KpiFact) == 0


def test_one_bad_row_reads_as_one_line(database_url: str, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(KPI_HEADER + "2026-11-16,acme,5\n2026-11-17,acme,-1\n")
    code, output = run(database_url, "kpi", "import", str(path))
    assert code == 2
    assert output.strip() == f"opsbot: {path}:3:3: negative count incoming=-1"


def test_case_import_reports_every_bad_row(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "cases.csv"
    lines = [
        GOOD_CASE,
        GOOD_CASE.replace("g1", "g2").replace("2026-11-02T09:00:00Z", "yesterday"),
        GOOD_CASE.replace("g1", "g3").replace(",1,", ",-2,"),
        GOOD_CASE.replace("g1", "g4").replace(",acme,DE,de", ""),
    ]
    path.write_text(CASE_HEADER + "".join(lines))
    code, output = run(database_url, "routing", "import", str(path))
    assert code == 2, output
    assert "3 bad rows; nothing was imported" in output
    assert f"{path}:3:2: " in output
    assert f"{path}:4:7: " in output
    assert f"{path}:5:10: 9 cells, the header has 12" in output
    assert count(engine, RoutingCase) == 0


@pytest.mark.parametrize("bad_count", [3, 51])
def test_assessment_import_reports_every_bad_row(
    database_url: str, engine: Engine, tmp_path: Path, bad_count: int
) -> None:
    good = "2026-11-01,acme,Fraud basics,agt-0,50,false\n"
    bad = [f"2026-11-02,acme,Fraud basics,agt-{n},{101 + n},true\n" for n in range(bad_count)]
    path = tmp_path / "assessments.csv"
    path.write_text(ASSESSMENT_HEADER + good + "".join(bad))
    other = tmp_path / "other.csv"
    other.write_text(ASSESSMENT_HEADER + "2026-11-03,acme,Fraud basics,a@b.c,50,maybe\n")
    code, output = run(database_url, "training", "import-assessments", str(path), str(other))
    assert code == 2, output
    assert f"{bad_count + 1} bad rows; nothing was imported" in output
    assert f"{path}:3:5: score must be from 0 to 100" in output
    if bad_count > 50:
        assert f"and {bad_count + 1 - 50} more" in output
        assert str(other) not in output
    else:
        assert f"{other}:2:4: agent must be a pseudonymous id, not an e-mail address" in output
    assert count(engine, AgentAssessment) == 0
