"""Read leaf CSV files into LeafTables for ``opsbot rca``, with precise validation errors."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from commands.kpi.rootcause_table import FloatArray, LeafTable


class LeafFileError(ValueError):
    """A leaf file that cannot be used, located by file, line and column."""

    def __init__(self, path: Path, line: int | None, column: str | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


@dataclass(frozen=True)
class Measure:
    """A measure argument: one column, or ``NUM/DEN`` for a ratio KPI."""

    numerator: str
    denominator: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Return the CSV columns the measure reads."""
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)


def parse_dims(text: str | None) -> tuple[str, ...] | None:
    """Split a ``--dims a,b,c`` argument; None means every non-measure column."""
    if text is None:
        return None
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise ValueError("--dims names no columns")
    if len(set(names)) != len(names):
        raise ValueError("--dims names a column twice")
    return names


def read_leaf_file(
    path: Path, *, actual: str, expected: str, dims: Sequence[str] | None = None
) -> LeafTable:
    """Read one leaf CSV (header row, one row per leaf) into a LeafTable."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise LeafFileError(path, 1, None, "file is empty (no header row)")
            header = [name.strip() for name in header]
            columns: list[list[str]] = [[] for _ in header]
            lines: list[int] = []
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue  # blank lines are harmless, often trailing
                if len(row) != len(header):
                    raise LeafFileError(
                        path,
                        reader.line_num,
                        None,
                        f"expected {len(header)} fields as in the header, found {len(row)}",
                    )
                lines.append(reader.line_num)
                for column, cell in zip(columns, row, strict=True):
                    column.append(cell.strip())
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LeafFileError(path, None, None, f"cannot read the file: {error}") from error
    return _build(path, header, columns, lines, actual, expected, dims)


def _build(
    path: Path,
    header: list[str],
    columns: list[list[str]],
    lines: list[int],
    actual: str,
    expected: str,
    dims: Sequence[str] | None,
) -> LeafTable:
    """Check the header against the arguments and convert the columns."""
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise LeafFileError(path, 1, duplicates[0], "column appears twice in the header")
    actual_measure = _resolve(path, header, actual)
    expected_measure = _resolve(path, header, expected)
    if (actual_measure.denominator is None) != (expected_measure.denominator is None):
        raise LeafFileError(
            path, 1, None, "--actual and --expected must both be NUM/DEN or both one column"
        )
    measures = set(actual_measure.columns + expected_measure.columns)
    if dims is None:
        dims = [name for name in header if name not in measures]
    for name in dims:
        if name not in header:
            raise LeafFileError(path, 1, name, "unknown --dims column: not in the header")
        if name in measures:
            raise LeafFileError(path, 1, name, "a measure column cannot also be a dimension")
    if not dims:
        raise LeafFileError(path, 1, None, "no dimension columns besides the measures")
    if not lines:
        raise LeafFileError(path, 2, None, "no data rows after the header")
    index = {name: i for i, name in enumerate(header)}
    # Ratio parts are counts or durations; an additive KPI may legitimately go negative.
    ratio = actual_measure.denominator is not None

    def numbers(name: str) -> FloatArray:
        return _numbers(path, name, columns[index[name]], lines, non_negative=ratio)

    return LeafTable.from_columns(
        {name: columns[index[name]] for name in dims},
        actual=numbers(actual_measure.numerator),
        expected=numbers(expected_measure.numerator),
        actual_den=None if not ratio else numbers(str(actual_measure.denominator)),
        expected_den=None if not ratio else numbers(str(expected_measure.denominator)),
    )


def _resolve(path: Path, header: list[str], text: str) -> Measure:
    """Match a measure argument to header columns; a real column named a/b wins."""
    text = text.strip()
    if text in header:
        return Measure(text)
    if "/" in text:
        numerator, _, denominator = text.partition("/")
        numerator, denominator = numerator.strip(), denominator.strip()
        for name in (numerator, denominator):
            if name not in header:
                raise LeafFileError(path, 1, name, "missing column: not in the header")
        return Measure(numerator, denominator)
    raise LeafFileError(path, 1, text, "missing column: not in the header")


def _numbers(
    path: Path, name: str, cells: list[str], lines: list[int], *, non_negative: bool
) -> FloatArray:
    """Convert a column to floats, naming the first bad cell precisely."""
    try:
        values = np.asarray(cells, dtype=np.float64)
    except ValueError:
        for cell, line in zip(cells, lines, strict=True):
            try:
                float(cell)
            except ValueError:
                raise LeafFileError(path, line, name, f"not a number: {cell!r}") from None
        raise  # unreachable in practice: numpy and float() accept the same spellings
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        first = int(bad[0])
        raise LeafFileError(path, lines[first], name, f"not a finite number: {cells[first]!r}")
    negative = np.flatnonzero(values < 0)
    if non_negative and negative.size:
        first = int(negative[0])
        raise LeafFileError(
            path,
            lines[first],
            name,
            f"negative value {cells[first]!r}: a ratio's numerator and denominator cannot be",
        )
    return values
