"""`/kpi why`: per-slice sums now vs what was expected, localised by the rootcause engine.

Expected is the spike detector's same-weekday seasonal baseline unless the user gave
`vs PERIOD` (see why_leaves.py); the finding says which one it used.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import KpiRequest
from commands.kpi.registry import KpiDefinition
from commands.kpi.rootcause import Localisation, localise
from commands.kpi.rootcause_table import LeafTable
from commands.kpi.why_leaves import (
    Baseline,
    FloatArray,
    Leaves,
    compared_leaves,
    seasonal_leaves,
)
from storage.kpi import DIMENSIONS
from storage.kpi_queries import stored_granularity

DEFAULT_WEEKS = 6
# `vs` not given: the grammar names the default comparison so.


@dataclass(frozen=True)
class WhyFinding:
    """The KPI's move and the dimension-value combinations that explain it."""

    kpi: KpiDefinition
    request: KpiRequest
    filters: Filters
    value: float | None
    previous: float | None  # the expected value: seasonal baseline or scaled comparison
    localisation: Localisation | None  # None when there was nothing to localise
    baseline: Baseline = "compare"
    weeks: int = DEFAULT_WEEKS


def explicit_compare(request: KpiRequest) -> bool:
    """Tell whether the user asked for a comparison period with `vs`."""
    return request.compare_given


def explain_change(
    *,
    session: Session,
    request: KpiRequest,
    filters: Filters,
    kpi: KpiDefinition,
    top_k: int = 5,
    weeks: int = DEFAULT_WEEKS,
) -> WhyFinding:
    """Localise the change of `kpi` in the request's period against what was expected."""
    granularity = stored_granularity(session) or "day"
    # Dimensions pinned to one value by a filter cannot explain anything inside the slice.
    dims = tuple(d for d in DIMENSIONS if len(filters.get(d, ())) != 1)
    leaves: Leaves | None = None
    if not explicit_compare(request):
        leaves = seasonal_leaves(
            session,
            granularity=granularity,
            period=request.period,
            filters=filters,
            dims=dims,
            kpi=kpi,
            weeks=weeks,
        )
    if leaves is None:
        leaves = compared_leaves(
            session,
            granularity=granularity,
            period=request.period,
            compare=request.compare,
            filters=filters,
            dims=dims,
            kpi=kpi,
        )
    if leaves is None:
        return WhyFinding(kpi, request, filters, None, None, None, weeks=weeks)
    value = _kpi_value(kpi, float(leaves.actual_num.sum()), leaves.actual_den)
    expected = _kpi_value(kpi, float(leaves.expected_num.sum()), leaves.expected_den)
    finding = WhyFinding(kpi, request, filters, value, expected, None, leaves.baseline, weeks)
    # Dimensions never given in the data ("" everywhere) only dilute the search.
    used = [j for j in range(len(dims)) if any(k[j] for k in leaves.keys)]
    if value is None or expected is None or not used:
        return finding
    table = LeafTable.from_columns(
        {dims[j]: [k[j] for k in leaves.keys] for j in used},
        actual=leaves.actual_num,
        expected=leaves.expected_num,
        actual_den=leaves.actual_den,
        expected_den=leaves.expected_den,
    )
    return WhyFinding(
        kpi, request, filters, value, expected, localise(table, top_k=top_k), leaves.baseline, weeks
    )


def _kpi_value(
    kpi: KpiDefinition, numerator: float, denominator: FloatArray | None
) -> float | None:
    """Return the KPI from the summed numerator and the leaves' denominators."""
    if kpi.denominator:
        total = float(denominator.sum()) if denominator is not None else 0.0
        if not total:
            return None
        ratio = float(numerator) / total
        return 1.0 - ratio if kpi.one_minus else ratio
    return 1.0 - float(numerator) if kpi.one_minus else float(numerator)
