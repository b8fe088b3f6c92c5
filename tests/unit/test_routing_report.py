"""`opsbot routing report`: hand figures, planted misroutes found, noise proposes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from tests.support.case_generator import PlantedRule, generate_cases

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "routing" / "small.csv"
HEADER = (
    "case_id,created_at,channel,reason,initial_queue,final_queue,transfers,"
    "first_response_at,solved_at,vendor,country,language\n"
)


def report(*args: str) -> tuple[int, str]:
    """Run `opsbot routing report`; return (exit code, output)."""
    result = CliRunner().invoke(cli, ["routing", "report", *args])
    # stdout only: a warning logged meanwhile by anything in this process goes to stderr.
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def report_json(*args: str) -> dict[str, Any]:
    """Run the report with --json and parse its one JSON object."""
    code, output = report(*args, "--json")
    assert code == 0, output
    parsed = json.loads(output)
    assert isinstance(parsed, dict)
    return parsed


def test_small_file_figures_match_hand_computation() -> None:
    result = report_json(str(SMALL), "--min-cases", "1")
    assert list(result) == ["cases", "misroute_rate", "flows", "suggestions"]
    assert result["cases"] == 7
    assert result["misroute_rate"] == pytest.approx(3 / 7, abs=1e-6)  # c3, c4, c6
    assert result["flows"] == [
        {"from": "support", "to": "security", "cases": 2},
        {"from": "billing", "to": "payments", "cases": 1},
    ]
    # login support→security is 2 of 2, but two cases are no evidence: nothing proposed.
    assert result["suggestions"] == []


def test_small_file_delays_and_transfers_in_the_text_report() -> None:
    code, output = report(str(SMALL))
    assert code == 0, output
    assert "misrouted: 3 (42.9%)" in output
    # Known transfers 0+0+1+2+0+1 over 6 cases; c7 has none given.
    assert "transfers per case: 0.67" in output
    # AAS: refund 30 h vs (10+14)/2, login 20 h vs 8 h, one solved misroute each: (18+12)/2.
    assert "extra age at solve when misrouted: +15.0 h" in output
    # First response: refund 5 vs (1+2)/2 (weight 1), login (2+4)/2 vs 1 (weight 2): 7.5/3.
    assert "extra first-response delay when misrouted: +2.5 h" in output


def test_period_and_filters_narrow_the_cases() -> None:
    week = report_json(str(SMALL), "--period", "2026-11-02..2026-11-04")
    assert (week["cases"], week["misroute_rate"]) == (3, pytest.approx(1 / 3, abs=1e-6))
    acme = report_json(str(SMALL), "--filter", "vendor:acme")
    assert (acme["cases"], acme["misroute_rate"]) == (4, 0.5)  # c1, c2, c4, c6
    login = report_json(str(SMALL), "--filter", "reason:login", "--filter", "channel:web")
    assert login["flows"] == [{"from": "support", "to": "security", "cases": 2}]


def _moved_cases(directory: Path, *, moved: int, kept: int, weeks_days: int) -> Path:
    """`moved` cases of reason x routed to p end in q after 30 h; `kept` start in q, 10 h."""
    rows = []
    for i in range(moved + kept):
        day = 1 + i % weeks_days
        start = f"2026-09-{day:02d}T08:00:00Z"
        if i < moved:
            rows.append(f"m{i},{start},web,x,p,q,1,,2026-09-{day + 1:02d}T14:00:00Z,,,")
        else:
            rows.append(f"k{i},{start},web,x,q,q,0,,2026-09-{day:02d}T18:00:00Z,,,")
    path = directory / "moved.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_suggestion_hours_are_cases_per_week_times_measured_delay(tmp_path: Path) -> None:
    path = _moved_cases(tmp_path, moved=20, kept=5, weeks_days=14)
    result = report_json(str(path), "--min-cases", "10", "--period", "2026-09-01..2026-09-14")
    # 20 cases in 2 weeks, each 30 h against 10 h for the reason's correctly routed cases.
    assert result["suggestions"] == [
        {
            "reason": "x",
            "from_queue": "p",
            "to_queue": "q",
            "share": 1.0,
            "cases": 20,
            "hours_saved_per_week": 200.0,
        }
    ]
    assert report_json(str(path), "--min-cases", "21")["suggestions"] == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_misroutes_are_found_and_ranked_by_hours_saved(tmp_path: Path, seed: int) -> None:
    planted = (
        PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),
        PlantedRule("change-email", "support", routed_share=0.6, moved_share=0.7),
    )
    data = generate_cases(seed=seed, cases=9000, planted=planted)
    path = tmp_path / "cases.csv"
    path.write_text(data.csv_text)
    result = report_json(str(path), "--period", "2026-10-05..2026-11-01")
    pairs = [(s["reason"], s["from_queue"], s["to_queue"]) for s in result["suggestions"]]
    assert pairs == [("refund", "billing", "payments"), ("change-email", "support", "accounts")]
    top = result["suggestions"][0]
    assert top["cases"] == data.moved[("refund", "billing", "payments")]
    assert top["share"] == pytest.approx(0.85, abs=0.04)
    # Each moved case took ≈ 8 h per transfer (1.25 transfers on average) more.
    expected = top["cases"] / data.weeks * 8.0 * 1.25
    assert top["hours_saved_per_week"] == pytest.approx(expected, rel=0.2)
    flows: dict[tuple[str, str], int] = {}
    for (_reason, initial, final), count in data.moved.items():
        flows[(initial, final)] = flows.get((initial, final), 0) + count
    ranked = sorted(flows.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert result["flows"] == [{"from": a, "to": b, "cases": n} for (a, b), n in ranked]


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_pure_noise_proposes_nothing(tmp_path: Path, seed: int) -> None:
    # Strays, transfers away and a reason split 45/55 between two teams, at volume.
    data = generate_cases(seed=seed, cases=30000, stray_share=0.15, transfer_away_share=0.08)
    path = tmp_path / "noise.csv"
    path.write_text(data.csv_text)
    result = report_json(str(path))
    assert result["cases"] == 30000
    assert result["misroute_rate"] > 0.15  # plenty of misroutes, none of them a pattern
    assert result["suggestions"] == []


def test_bad_input_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "c1,yesterday,web,x,p,q,1,,,,,\n")
    code, output = report(str(bad), "--json")
    assert code == 2
    assert f"{bad}:2:2: unparseable created_at 'yesterday'" in output
    code, output = report(str(SMALL), "--period", "last-week")
    assert code == 2 and "--period" in output
    code, output = report(str(SMALL), "--filter", "colour:red")
    assert code == 2 and "--filter" in output
