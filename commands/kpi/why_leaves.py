"""Leaves for `/kpi why`: per-slice actual and expected sums of a KPI's measures.

The expected value is, by default, what the spike detector expects: for every day of the
period, the median of the same weekday over the previous ``weeks`` weeks, per leaf (so a
weekly rhythm or an earlier one-off spike does not pass for a cause). With `vs PERIOD` it
is that period's sums, scaled to the asked period's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import Period
from commands.kpi.registry import KpiDefinition
from storage.kpi import MEASURES
from storage.kpi_queries import Measures, grouped_sums

Baseline = Literal["seasonal", "compare"]
FloatArray = NDArray[np.float64]
# A same-weekday median needs at least this many earlier weeks with data.
_MIN_WEEKS = 2


@dataclass(frozen=True, eq=False)
class Leaves:
    """One row per leaf: its dimension values and the KPI's numerator/denominator sums."""

    keys: list[tuple[str, ...]]
    actual_num: FloatArray
    expected_num: FloatArray
    actual_den: FloatArray | None
    expected_den: FloatArray | None
    baseline: Baseline


def _indices(kpi: KpiDefinition) -> tuple[list[int], list[int]]:
    num = [MEASURES.index(n) for n in kpi.numerator]
    den = [MEASURES.index(n) for n in kpi.denominator] if kpi.denominator else []
    return num, den


def _parts(measures: Measures, index: list[int]) -> float:
    return float(sum(measures[i] or 0.0 for i in index))


def seasonal_leaves(
    session: Session,
    *,
    granularity: str,
    period: Period,
    filters: Filters,
    dims: tuple[str, ...],
    kpi: KpiDefinition,
    weeks: int,
) -> Leaves | None:
    """Return leaves against the same-weekday median, or None without enough history."""
    start = period.start - timedelta(days=7 * weeks)
    rows = grouped_sums(
        session,
        granularity=granularity,
        start=start,
        end=period.end,
        filters=filters,
        by=("day", *dims),
    )
    num_index, den_index = _indices(kpi)
    n_days = (period.end - start).days + 1
    leaf_of: dict[tuple[str, ...], int] = {}
    seen_day = np.zeros(n_days, dtype=np.bool_)
    entries: list[tuple[int, int, float, float]] = []
    for key, measures in rows:
        day: date = key[0]
        leaf = leaf_of.setdefault(tuple(str(k) for k in key[1:]), len(leaf_of))
        t = (day - start).days
        seen_day[t] = True
        entries.append((leaf, t, _parts(measures, num_index), _parts(measures, den_index)))
    if not leaf_of:
        return None
    # Days before the data begins are unknown, not zero; days inside it with no row are zero.
    values = np.zeros((2, len(leaf_of), n_days))
    leaves_at, days_at, nums, dens = (np.array(c) for c in zip(*entries, strict=True))
    values[0, leaves_at.astype(int), days_at.astype(int)] = nums
    values[1, leaves_at.astype(int), days_at.astype(int)] = dens
    first = int(np.argmax(seen_day))
    offset = 7 * weeks
    lags = np.stack([values[:, :, offset - 7 * k : n_days - 7 * k] for k in range(1, weeks + 1)])
    lag_known = np.stack(
        [np.arange(offset - 7 * k, n_days - 7 * k) >= first for k in range(1, weeks + 1)]
    )
    if int(lag_known.sum(axis=0).min()) < _MIN_WEEKS:
        return None
    lags = np.where(lag_known[:, None, None, :], lags, np.nan)
    expected = np.nanmedian(lags, axis=0).sum(axis=2)
    actual = values[:, :, offset:].sum(axis=2)
    ratio = bool(den_index)
    return Leaves(
        keys=list(leaf_of),
        actual_num=actual[0],
        expected_num=expected[0],
        actual_den=actual[1] if ratio else None,
        expected_den=expected[1] if ratio else None,
        baseline="seasonal",
    )


def compared_leaves(
    session: Session,
    *,
    granularity: str,
    period: Period,
    compare: Period,
    filters: Filters,
    dims: tuple[str, ...],
    kpi: KpiDefinition,
) -> Leaves | None:
    """Return leaves against the comparison period's sums scaled to equal length."""
    num_index, den_index = _indices(kpi)
    sums: dict[tuple[str, ...], list[float]] = {}
    for which, span in ((0, period), (2, compare)):
        for key, measures in grouped_sums(
            session,
            granularity=granularity,
            start=span.start,
            end=span.end,
            filters=filters,
            by=dims,
        ):
            slot = sums.setdefault(tuple(str(k) for k in key), [0.0, 0.0, 0.0, 0.0])
            slot[which] += _parts(measures, num_index)
            slot[which + 1] += _parts(measures, den_index)
    if not sums:
        return None
    table = np.array(list(sums.values()))
    scale = period.days / compare.days
    ratio = bool(den_index)
    return Leaves(
        keys=list(sums),
        actual_num=table[:, 0],
        expected_num=table[:, 2] * scale,
        actual_den=table[:, 1] if ratio else None,
        expected_den=table[:, 3] * scale if ratio else None,
        baseline="compare",
    )
