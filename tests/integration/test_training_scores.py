"""Agent assessments: `opsbot training import-assessments` and `/training scores`, by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.runtime import Runtime
from commands.checkins.digest_build import build_digest
from commands.summary.service import build_summary
from commands.training.assessment_files import AssessmentRow
from commands.training.scores import import_rows
from storage.assessments import AgentAssessment
from storage.engine import unit_of_work
from storage.vendors import upsert_vendor
from tests.conftest import Dispatch
from tests.integration.test_checkin_commands import table
from tests.integration.test_checkin_runs import Clock
from tests.support.answers import ok_body
from tests.support.slack_requests import slash_command

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # 28 days: 22 Oct – 18 Nov; before: 24 Sep – 21 Oct
HEADER = "date,vendor,assessment,agent,score,passed\n"
ROWS = (
    # this period, acme: 90 ✓, 70 ✗, 80 ✓, 100 ✓ from three agents
    "2026-11-02,acme,Fraud basics,agt-7f3a,90,true\n"
    "2026-11-03,acme,Fraud basics,agt-91c2,70,false\n"
    "2026-11-10,acme,Fraud basics,agt-7f3a,80,true\n"
    "2026-11-18,acme,Fraud basics,agt-55d0,100,true\n"
    # the period before, acme: 60 ✗, 80 ✓
    "2026-10-01,acme,Fraud basics,agt-7f3a,60,false\n"
    "2026-10-21,acme,Fraud basics,agt-91c2,80,true\n"
    # too old for either period
    "2026-09-01,acme,Fraud basics,agt-91c2,0,false\n"
    # globex, this period only
    "2026-11-05,Globex,Fraud basics,g-1,88.5,true\n"
)


def run_import(database_url: str, *files: Path) -> tuple[int, str]:
    """Run `opsbot training import-assessments`."""
    result = CliRunner().invoke(
        cli,
        ["training", "import-assessments", *map(str, files)],
        env={"DATABASE_URL": database_url},
    )
    return result.exit_code, result.output


@pytest.fixture
def scores_file(tmp_path: Path) -> Path:
    """The CSV above."""
    path = tmp_path / "assessments.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


async def test_figures_match_the_hand_computed_ones(
    dispatch: Dispatch, runtime: Runtime, database_url: str, scores_file: Path
) -> None:
    runtime.clock = Clock(NOW)
    code, output = run_import(database_url, scores_file)
    assert code == 0, output
    assert "imported 8 assessment results from 1 file(s); 0 replaced" in output
    answer = ok_body(await dispatch(slash_command("/training", "scores")))
    text = answer["text"]
    assert "22 Oct – 18 Nov 2026 (28 days, vs the 28 before)" in text
    (acme,) = [line for line in text.splitlines() if "*acme*" in line]
    # pass rate 3/4 = 75% (before 1/2 = 50%: +25 pts); mean 340/4 = 85 (before 70: +15);
    # spread = pstdev(90, 70, 80, 100) = √125 = 11.18; 4 results from 3 agents.
    assert acme == (
        "• *acme* · Fraud basics — pass rate 75% (▲ 25.0 pts), mean 85.0 (▲ 15.0), "
        "spread 11.2 · 4 results from 3 agents"
    )
    (globex,) = [line for line in text.splitlines() if "*globex*" in line]
    assert "pass rate 100%, mean 88.5, spread 0.0 · 1 results from 1 agents" in globex
    assert "agt-" not in text and "g-1" not in text  # agents only as counts
    week = ok_body(await dispatch(slash_command("/training", "scores week vendor:acme")))["text"]
    # 12–18 Nov: just the 100; before (5–11 Nov): the 80.
    assert "pass rate 100% (=), mean 100.0 (▲ 20.0)" in week and "globex" not in week
    code, output = run_import(database_url, scores_file)
    assert code == 0 and "8 replaced" in output
    assert len(table(runtime, AgentAssessment)) == 8


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("2026-11-02,acme,Fraud basics,agt-1,101,true", ":3:5: score must be from 0 to 100"),
        ("2026-11-02,acme,Fraud basics,agt-1,٩٠,true", ":3:5: score '٩٠' is not a number"),
        ("2026-11-02,acme,Fraud basics,agt-1,90,yes", ":3:6: passed must be true or false"),
        ("2026-11-02,acme,Fraud basics,ana@acme.com,90,true", ":3:4: agent must be a pseudonymous"),
        ("2026-02-30,acme,Fraud basics,agt-1,90,true", ":3:1: date '2026-02-30' is not YYYY-MM-DD"),
        ("2026-11-02,acme,Fraud basics,agt-1,90", ":3:6: 5 cells, the header has 6"),
    ],
)
def test_a_bad_row_names_line_and_column_and_writes_nothing(
    database_url: str, runtime: Runtime, tmp_path: Path, row: str, error: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2026-11-01,acme,Fraud basics,agt-0,50,false\n" + row + "\n")
    code, output = run_import(database_url, path)
    assert code == 2
    assert f"{path}{error}" in output
    assert table(runtime, AgentAssessment) == []


async def test_vendor_channel_sees_its_own_scores_only(
    dispatch: Dispatch, runtime: Runtime, database_url: str, scores_file: Path
) -> None:
    runtime.clock = Clock(NOW)
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", channel_id="C0ACME")
    assert run_import(database_url, scores_file)[0] == 0
    own = ok_body(await dispatch(slash_command("/training", "scores", channel_id="C0ACME")))
    assert "*acme*" in own["text"] and "globex" not in own["text"]
    other = ok_body(
        await dispatch(slash_command("/training", "scores vendor:globex", channel_id="C0ACME"))
    )
    assert "bound to vendor Acme BPO" in other["text"]


async def test_the_vendor_digest_carries_the_weeks_assessments(
    runtime: Runtime, database_url: str, scores_file: Path
) -> None:
    assert run_import(database_url, scores_file)[0] == 0
    with unit_of_work(runtime.sessions) as session:
        vendor = upsert_vendor(session, slug="acme", name="Acme BPO")
        content = build_digest(
            session=session,
            sources=runtime.digest_sources,
            vendor=vendor,
            now=NOW + timedelta(days=1),  # the digest covers 12–18 Nov, against 5–11 Nov
            timezone="UTC",
        )
    (section,) = [s for s in content.sections if s.key == "training"]
    assert section.lines == (
        "• *acme* · Fraud basics — pass rate 100% (=), mean 100.0 (▲ 20.0), "
        "spread 0.0 · 1 results from 1 agents",
    )


def daily_results(days: int, *, dip: date | None, assessment: str) -> list[AssessmentRow]:
    """Ten acme agents a day for `days` days to NOW, 9 passing; 3 passing on `dip`."""
    rows: list[AssessmentRow] = []
    for back in range(days):
        day = NOW.date() - timedelta(days=back)
        passing = 3 if day == dip else 9
        rows.extend(
            AssessmentRow(
                day, "acme", assessment, f"agt-{n:02d}", 90.0 if n < passing else 40.0, n < passing
            )
            for n in range(10)
        )
    return rows


async def test_scores_carry_the_kpi_detectors_spike_marker(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    runtime.clock = Clock(NOW)
    dip = NOW.date() - timedelta(days=3)  # Sunday 15 Nov, inside the 28 days shown
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", channel_id="C0ACME")
        rows = daily_results(140, dip=dip, assessment="Fraud basics")
        rows += daily_results(140, dip=None, assessment="Steady")
        import_rows(session=session, rows=rows, now=NOW)
    text = ok_body(await dispatch(slash_command("/training", "scores", channel_id="C0ACME")))[
        "text"
    ]
    (fraud,) = [line for line in text.splitlines() if "Fraud basics" in line]
    # 9/10 every day, so the same-weekday median expects 90 %; the dip day had 3/10.
    assert fraud.endswith(
        ":rotating_light: *spike* on Sun 15 Nov: pass rate 30% against 90% expected"
    )
    (steady,) = [line for line in text.splitlines() if "Steady" in line]
    assert "rotating_light" not in steady
    assert "agt-" not in text  # a vendor channel sees agents only as counts
    with unit_of_work(runtime.sessions) as session:
        content = build_digest(
            session=session,
            sources=runtime.digest_sources,
            vendor=upsert_vendor(session, slug="acme"),
            now=NOW + timedelta(days=1),
            timezone="UTC",
        )
    (section,) = [s for s in content.sections if s.key == "training"]
    assert any("*spike* on Sun 15 Nov" in line for line in section.lines)
    assert "agt-" not in json.dumps(section.lines)


async def test_the_team_summary_has_a_training_section(
    runtime: Runtime, database_url: str, scores_file: Path
) -> None:
    assert run_import(database_url, scores_file)[0] == 0
    with unit_of_work(runtime.sessions) as session:
        _, sections = build_summary(
            session=session,
            sources=runtime.digest_sources,
            now=NOW + timedelta(days=1),
            timezone="UTC",
        )
    (section,) = [s for s in sections if s.key == "training"]
    assert section.title == "Training"
    # Every vendor's week (12–18 Nov against 5–11 Nov), as aggregates only.
    assert section.lines == (
        "• *acme* · Fraud basics — pass rate 100% (=), mean 100.0 (▲ 20.0), "
        "spread 0.0 · 1 results from 1 agents",
    )
    assert "agt-" not in json.dumps(section.lines)
