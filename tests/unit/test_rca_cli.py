"""``opsbot rca`` through Typer's CliRunner on temporary leaf CSV files."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from bot.cli_rca import rca


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("rca")(rca)
    # A second command keeps Typer from collapsing the app into a single command.
    app.command("noop")(lambda: None)
    return app


def write_cube(path: Path, *, slow_slice_kind: str | None = None) -> Path:
    """Write a queue x vendor x country cube where acme/impersonation deviates."""
    rng = np.random.default_rng(5)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["queue", "vendor", "country", "actual", "forecast", "secs", "n", "fs", "fn"]
        )
        for queue, vendor, country in itertools.product(
            ["billing", "fraud", "impersonation"], ["acme", "globex"], ["de", "fr", "uk", "us"]
        ):
            forecast = float(rng.uniform(50, 100))
            actual = forecast * (1 + rng.normal(0, 0.003))
            hit = (queue, vendor) == ("impersonation", "acme")
            if hit:
                actual *= 1.6
            handled = int(rng.integers(40, 80))
            secs = handled * 300.0 * (2.0 if hit else 1.0)
            a_secs, a_handled = secs, handled
            if hit and slow_slice_kind == "rate":
                a_secs = secs * 1.5
            if hit and slow_slice_kind == "mix":
                a_secs, a_handled = secs * 3, handled * 3
            measures = [f"{actual:.4f}", f"{forecast:.4f}", a_secs, a_handled, secs, handled]
            writer.writerow([queue, vendor, country, *measures])
    return path


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


DIMS = ["--dims", "queue,vendor,country"]


def test_prints_one_json_line_per_file(app: typer.Typer, tmp_path: Path) -> None:
    first = write_cube(tmp_path / "one.csv")
    second = write_cube(tmp_path / "two.csv")
    args = ["rca", str(first), str(second), "--actual", "actual", "--expected", "forecast"]
    result = CliRunner().invoke(app, [*args, *DIMS])
    assert result.exit_code == 0, result.stderr
    printed = lines(result.stdout)
    assert [p["file"] for p in printed] == [str(first), str(second)]
    for entry in printed:
        assert set(entry) == {"file", "root_causes", "confidence", "explained", "elapsed_ms"}
        assert entry["explained"] == pytest.approx(1.0, abs=0.05)
        assert isinstance(entry["elapsed_ms"], float)
        (cause,) = entry["root_causes"]
        assert set(cause) == {"elements", "score", "actual", "expected", "share", "strength"}
        assert cause["elements"] == {"queue": "impersonation", "vendor": "acme"}
        assert cause["actual"] == pytest.approx(1.6 * cause["expected"], rel=0.02)


@pytest.mark.parametrize("kind", ["mix", "rate"])
def test_ratio_syntax_labels_the_cause(app: typer.Typer, tmp_path: Path, kind: str) -> None:
    path = write_cube(tmp_path / "aht.csv", slow_slice_kind=kind)
    args = ["rca", str(path), "--actual", "secs/n", "--expected", "fs/fn", *DIMS]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    (entry,) = lines(result.stdout)
    (cause,) = entry["root_causes"]
    assert cause["elements"] == {"queue": "impersonation", "vendor": "acme"}
    assert cause["kind"] == kind


def test_top_limits_the_causes(app: typer.Typer, tmp_path: Path) -> None:
    path = write_cube(tmp_path / "one.csv")
    args = ["rca", str(path), "--actual", "actual", "--expected", "forecast", "--top", "1"]
    result = CliRunner().invoke(app, [*args, *DIMS])
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)[0]["root_causes"]) == 1


def test_bad_file_exits_2_after_printing_the_good_ones(app: typer.Typer, tmp_path: Path) -> None:
    good = write_cube(tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("queue,vendor,country,actual,forecast\nfraud,acme,de,1,2\nspam,acme,de,oops,2\n")
    never = write_cube(tmp_path / "never.csv")
    args = ["rca", str(good), str(bad), str(never), "--actual", "actual", "--expected", "forecast"]
    result = CliRunner().invoke(app, [*args, *DIMS])
    assert result.exit_code == 2
    assert [p["file"] for p in lines(result.stdout)] == [str(good)]
    assert str(bad) in result.stderr
    assert "line 3" in result.stderr
    assert "'actual'" in result.stderr
    assert "not a number" in result.stderr


def test_unknown_dims_column_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    path = write_cube(tmp_path / "one.csv")
    args = ["rca", str(path), "--actual", "actual", "--expected", "forecast", "--dims", "region"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert "'region'" in result.stderr


def test_empty_file_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = CliRunner().invoke(app, ["rca", str(path), "--actual", "a", "--expected", "f"])
    assert result.exit_code == 2
    assert f"{path}, line 1" in result.stderr
