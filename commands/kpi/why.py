"""`/kpi why`: per-slice sums now vs the previous period, localised by the rootcause engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import KpiRequest
from commands.kpi.registry import KpiDefinition
from commands.kpi.rootcause import LeafTable, Localisation, localise
from commands.kpi.snapshot import add_sums
from storage.kpi import DIMENSIONS, MEASURES
from storage.kpi_queries import Measures, grouped_sums, stored_granularity


@dataclass(frozen=True)
class WhyFinding:
    """The KPI's move and the dimension-value combinations that explain it."""

    kpi: KpiDefinition
    request: KpiRequest
    filters: Filters
    value: float | None
    previous: float | None
    localisation: Localisation | None  # None when there was nothing to localise


def _total(measures: Measures, names: tuple[str, ...]) -> float:
    index = [MEASURES.index(n) for n in names]
    return float(sum(measures[i] or 0.0 for i in index))


def explain_change(
    *, session: Session, request: KpiRequest, filters: Filters, kpi: KpiDefinition, top_k: int = 5
) -> WhyFinding:
    """Localise the change of `kpi` between the request's period and its comparison."""
    granularity = stored_granularity(session) or "day"
    # Dimensions pinned to one value by a filter cannot explain anything inside the slice.
    dims = tuple(d for d in DIMENSIONS if len(filters.get(d, ())) != 1)
    leaves: dict[tuple[str, ...], list[Measures | None]] = {}
    for which, period in ((0, request.period), (1, request.compare)):
        for key, measures in grouped_sums(
            session,
            granularity=granularity,
            start=period.start,
            end=period.end,
            filters=filters,
            by=dims,
        ):
            leaves.setdefault(tuple(str(k) for k in key), [None, None])[which] = measures
    empty: Measures = (None,) * len(MEASURES)
    current = add_sums([pair[0] or empty for pair in leaves.values()])
    before = add_sums([pair[1] or empty for pair in leaves.values()])
    value, previous = kpi.value(current), kpi.value(before)
    if not leaves or value is None or previous is None:
        return WhyFinding(kpi, request, filters, value, previous, None)
    # Dimensions never given in the data ("" everywhere) only dilute the search.
    keys = list(leaves)
    used = [j for j in range(len(dims)) if any(k[j] for k in keys)]
    columns = {dims[j]: [k[j] for k in keys] for j in used}
    actual = np.array([_total(leaves[k][0] or empty, kpi.numerator) for k in keys])
    expected = np.array([_total(leaves[k][1] or empty, kpi.numerator) for k in keys])
    actual_den = expected_den = None
    if kpi.denominator:
        actual_den = np.array([_total(leaves[k][0] or empty, kpi.denominator) for k in keys])
        expected_den = np.array([_total(leaves[k][1] or empty, kpi.denominator) for k in keys])
    if not columns:
        return WhyFinding(kpi, request, filters, value, previous, None)
    table = LeafTable.from_columns(
        columns,
        actual=actual,
        expected=expected,
        actual_den=actual_den,
        expected_den=expected_den,
    )
    return WhyFinding(kpi, request, filters, value, previous, localise(table, top_k=top_k))
