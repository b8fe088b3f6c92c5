"""Leaf tables for root-cause localisation: integer-coded dimensions plus measures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
CodeArray = NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class LeafTable:
    """One row per leaf (a combination of dimension values) with its measures.

    For an additive KPI ``actual``/``expected`` are the measure itself; for a ratio KPI
    they are the numerators and ``actual_den``/``expected_den`` are the denominators.
    """

    dims: tuple[str, ...]
    codes: CodeArray  # shape (n, d); codes[:, j] indexes values[j]
    values: tuple[NDArray[np.str_], ...]
    actual: FloatArray
    expected: FloatArray
    actual_den: FloatArray | None = None
    expected_den: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.codes.ndim == 2 and not self.codes.flags.f_contiguous:
            # The search reads one dimension's codes at a time: column-major keeps each
            # column contiguous (a strided column is about 5x slower to compare on 2 M rows).
            object.__setattr__(self, "codes", np.asfortranarray(self.codes))
        n = self.actual.shape[0]
        if self.codes.ndim != 2 or self.codes.shape != (n, len(self.dims)):
            raise ValueError("codes must have shape (rows, len(dims))")
        if len(self.values) != len(self.dims):
            raise ValueError("values needs one decoding array per dimension")
        if len(set(self.dims)) != len(self.dims):
            raise ValueError("dimension names must be distinct")
        measures = [self.expected, self.actual_den, self.expected_den]
        if any(m is not None and m.shape != (n,) for m in measures):
            raise ValueError("all measures must have one value per row")
        if (self.actual_den is None) != (self.expected_den is None):
            raise ValueError("a ratio KPI needs both actual_den and expected_den")

    @property
    def is_ratio(self) -> bool:
        """Tell whether the table holds a ratio KPI (numerator over denominator)."""
        return self.actual_den is not None

    @property
    def actual_num(self) -> FloatArray:
        """Return the actual numerators (the measure itself for an additive KPI)."""
        return self.actual

    @property
    def expected_num(self) -> FloatArray:
        """Return the expected numerators (the measure itself for an additive KPI)."""
        return self.expected

    @property
    def n_rows(self) -> int:
        """Return the number of leaf rows."""
        return int(self.actual.shape[0])

    def decode(self, dim_index: int, code: int) -> str:
        """Return the string value behind a dimension code."""
        return str(self.values[dim_index][code])

    @classmethod
    def from_columns(
        cls,
        columns: Mapping[str, Sequence[str]],
        *,
        actual: Sequence[float] | FloatArray,
        expected: Sequence[float] | FloatArray,
        actual_den: Sequence[float] | FloatArray | None = None,
        expected_den: Sequence[float] | FloatArray | None = None,
    ) -> LeafTable:
        """Build a table from string dimension columns and numeric measure columns."""
        dims = tuple(columns)
        n = len(actual)
        codes = np.zeros((n, len(dims)), dtype=np.int32, order="F")
        values: list[NDArray[np.str_]] = []
        for j, dim in enumerate(dims):
            column = [str(v) for v in columns[dim]]
            if len(column) != n:
                raise ValueError(f"dimension {dim!r} has {len(column)} values, expected {n}")
            # A dict codes millions of strings faster than sorting them; sorted uniques then
            # make codes independent of row order.
            seen: dict[str, int] = {}
            first = np.fromiter((seen.setdefault(v, len(seen)) for v in column), np.int64, n)
            names = sorted(seen)
            rank = np.empty(len(names), dtype=np.int32)
            rank[[seen[name] for name in names]] = np.arange(len(names), dtype=np.int32)
            codes[:, j] = rank[first]
            values.append(np.array(names, dtype=np.str_))
        return cls(
            dims=dims,
            codes=codes,
            values=tuple(values),
            actual=_floats(actual),
            expected=_floats(expected),
            actual_den=None if actual_den is None else _floats(actual_den),
            expected_den=None if expected_den is None else _floats(expected_den),
        )

    @classmethod
    def from_rows(
        cls,
        dims: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        actual: Sequence[float] | FloatArray,
        expected: Sequence[float] | FloatArray,
        actual_den: Sequence[float] | FloatArray | None = None,
        expected_den: Sequence[float] | FloatArray | None = None,
    ) -> LeafTable:
        """Build a table from rows of dimension values (one sequence per leaf)."""
        columns = {dim: [str(row[j]) for row in rows] for j, dim in enumerate(dims)}
        return cls.from_columns(
            columns,
            actual=actual,
            expected=expected,
            actual_den=actual_den,
            expected_den=expected_den,
        )


def take_rows(codes: CodeArray, rows: NDArray[np.int64]) -> CodeArray:
    """Return ``codes[rows]`` column-major, as the table keeps it (all rows: no copy)."""
    if rows.size == codes.shape[0]:
        return codes
    out = np.empty((rows.size, codes.shape[1]), dtype=codes.dtype, order="F")
    for j in range(codes.shape[1]):
        np.take(codes[:, j], rows, out=out[:, j])
    return out


def _floats(values: Sequence[float] | FloatArray) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise ValueError("measures must be finite numbers")
    return array
