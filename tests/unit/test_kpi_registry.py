"""KPI registry: ratios of sums, absent data, units, and the metrics file."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.kpi.formatting import format_change, format_value, sparkline
from commands.kpi.registry import MetricsFileError, load_registry

REGISTRY = load_registry(None)


def test_ratio_kpis_are_ratios_of_sums_not_averages_of_averages() -> None:
    aht = REGISTRY.get("aht")
    assert aht is not None
    # Slice A: 10 cases at 60 s; slice B: 90 cases at 600 s.
    slices = [
        {"handle_seconds": 600.0, "handled": 10.0},
        {"handle_seconds": 54000.0, "handled": 90.0},
    ]
    total = {k: sum(s[k] for s in slices) for k in ("handle_seconds", "handled")}
    assert aht.value(total) == 546.0  # (600 + 54000) / 100
    average_of_averages = sum(aht.value(s) or 0 for s in slices) / 2
    assert average_of_averages == 330.0
    assert format_value(aht, aht.value(total)) == "9:06"


def test_absent_data_is_no_data_not_zero() -> None:
    assert REGISTRY.get("incoming").value({"incoming": None}) is None  # type: ignore[union-attr]
    assert REGISTRY.get("aht").value({"handle_seconds": 10.0, "handled": 0.0}) is None  # type: ignore[union-attr]
    assert format_value(REGISTRY.get("aas"), None) == "no data"  # type: ignore[arg-type]
    assert REGISTRY.get("incoming").value({"incoming": 0.0}) == 0.0  # type: ignore[union-attr]


def test_units_are_human() -> None:
    aas, auto, inc = REGISTRY.get("aas"), REGISTRY.get("automation"), REGISTRY.get("incoming")
    assert aas and auto and inc
    assert format_value(aas, 30 * 3600 + 360) == "30.1 h"
    assert format_value(auto, 1 - 40 / 90) == "55.6%"
    assert format_value(inc, 1234567) == "1,234,567"
    assert format_change(inc, 110, 100) == "+10 (+10%)"
    assert format_change(auto, 0.5, 0.52) == "−2.0 pp"
    assert sparkline([1, 2, None, 8]) == "▁▂ █"


def test_metrics_file_redefines_and_adds(tmp_path: Path) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text(
        '[kpi.aas]\ndenominator = ["manual_solved"]\ntarget = 36\n'
        '[kpi.backlog_rate]\nlabel = "Backlog rate"\nnumerator = ["incoming"]\n'
        'denominator = ["solved"]\nunit = "percent"\ndirection = "lower"\n'
    )
    registry = load_registry(str(path))
    aas = registry.get("aas")
    assert aas and aas.denominator == ("manual_solved",) and aas.target == 36.0
    assert aas.numerator == ("solve_age_seconds",) and aas.unit == "hours"
    backlog = registry.get("backlog_rate")
    assert backlog and backlog.value({"incoming": 120.0, "solved": 100.0}) == 1.2
    assert registry.keys[-1] == "backlog_rate"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[kpi.aht]\nnumerator = ["handle_secs"]\n',
            "KPI 'aht': numerator: unknown measure(s) handle_secs",
        ),
        ('[kpi.new]\nunit = "count"\n', "KPI 'new': numerator is required"),
        ('[kpi.aht]\nunit = "furlongs"\n', "KPI 'aht': unit must be one of"),
        ("[kpi.aht\n", "not valid TOML"),
    ],
)
def test_bad_metrics_file_names_file_and_kpi(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text(toml)
    with pytest.raises(MetricsFileError) as caught:
        load_registry(str(path))
    assert str(path) in str(caught.value) and message in str(caught.value)
