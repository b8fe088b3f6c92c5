"""Reading leaf CSV files for ``opsbot rca`` and locating what is wrong with bad ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from commands.kpi.rca_files import LeafFileError, parse_dims, read_leaf_file

GOOD = (
    "queue,vendor,actual,forecast,secs,handled\n"
    "fraud,acme,10,8,600,2\n"
    "fraud,globex,5,5,900,3\n"
    "\n"
    "spam,acme,0,1.5,0,0\n"
)


def write(tmp_path: Path, text: str, name: str = "leaves.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_additive_measures_and_default_dims(tmp_path: Path) -> None:
    table = read_leaf_file(
        write(tmp_path, GOOD), actual="actual", expected="forecast", dims=["queue", "vendor"]
    )
    assert table.dims == ("queue", "vendor")
    assert table.n_rows == 3
    np.testing.assert_allclose(table.actual, [10, 5, 0])
    assert not table.is_ratio
    assert [table.decode(0, c) for c in table.codes[:, 0]] == ["fraud", "fraud", "spam"]


def test_dims_default_to_every_non_measure_column(tmp_path: Path) -> None:
    text = "queue,vendor,actual,forecast\nfraud,acme,1,2\n"
    table = read_leaf_file(write(tmp_path, text), actual="actual", expected="forecast")
    assert table.dims == ("queue", "vendor")


def test_reads_ratio_measures(tmp_path: Path) -> None:
    text = "queue,secs,n,fsecs,fn\nfraud,600,2,500,2\n"
    table = read_leaf_file(write(tmp_path, text), actual="secs/n", expected="fsecs/fn")
    assert table.is_ratio
    assert table.dims == ("queue",)
    np.testing.assert_allclose(table.expected_den if table.expected_den is not None else [], [2])


def test_a_column_named_with_a_slash_is_one_column(tmp_path: Path) -> None:
    text = "queue,a/b,f\nfraud,3,2\n"
    table = read_leaf_file(write(tmp_path, text), actual="a/b", expected="f")
    assert not table.is_ratio


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffqueue,actual,forecast\nfraud,1,2\n".encode())
    assert read_leaf_file(path, actual="actual", expected="forecast").dims == ("queue",)


@pytest.mark.parametrize(
    ("text", "kwargs", "line", "column", "problem"),
    [
        ("", {}, 1, None, "empty"),
        ("queue,actual,forecast\n", {}, 2, None, "no data rows"),
        ("queue,actual\nfraud,1\n", {}, 1, "forecast", "missing column"),
        ("queue,actual,forecast\nfraud,1,2\nspam,x1,2\n", {}, 3, "actual", "not a number"),
        ("queue,actual,forecast\nfraud,1,\n", {}, 2, "forecast", "not a number"),
        ("queue,actual,forecast\nfraud,nan,2\n", {}, 2, "actual", "finite"),
        ("queue,actual,forecast\nfraud,1\n", {}, 2, None, "fields"),
        ("queue,actual,forecast\nfraud,1,2\n", {"dims": ["region"]}, 1, "region", "unknown"),
        ("queue,actual,forecast\nfraud,1,2\n", {"dims": ["actual"]}, 1, "actual", "measure"),
        ("actual,forecast\n1,2\n", {}, 1, None, "no dimension columns"),
        ("q,q,actual,forecast\na,b,1,2\n", {}, 1, "q", "twice"),
    ],
)
def test_bad_additive_files_name_line_column_and_problem(
    tmp_path: Path,
    text: str,
    kwargs: dict[str, list[str]],
    line: int,
    column: str | None,
    problem: str,
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LeafFileError, match=problem) as caught:
        read_leaf_file(path, actual="actual", expected="forecast", **kwargs)
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, line, column)
    assert str(path) in str(caught.value)


def test_negative_ratio_part_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,secs,n,fsecs,fn\nfraud,600,2,500,2\nspam,10,-1,5,1\n")
    with pytest.raises(LeafFileError, match="negative") as caught:
        read_leaf_file(path, actual="secs/n", expected="fsecs/fn")
    assert (caught.value.line, caught.value.column) == (3, "n")


def test_negative_additive_value_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,actual,forecast\nfraud,-3,2\n")
    assert read_leaf_file(path, actual="actual", expected="forecast").actual[0] == -3


def test_ratio_and_plain_measure_cannot_be_mixed(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,secs,n,f\nfraud,600,2,500\n")
    with pytest.raises(LeafFileError, match="must both be NUM"):
        read_leaf_file(path, actual="secs/n", expected="f")


def test_missing_file_is_a_leaf_file_error(tmp_path: Path) -> None:
    with pytest.raises(LeafFileError, match="cannot read"):
        read_leaf_file(tmp_path / "absent.csv", actual="a", expected="f")


def test_parse_dims() -> None:
    assert parse_dims(None) is None
    assert parse_dims(" queue, vendor ,") == ("queue", "vendor")
    with pytest.raises(ValueError, match="twice"):
        parse_dims("queue,queue")
    with pytest.raises(ValueError, match="no columns"):
        parse_dims(" , ")
