"""KPI snapshots and break-downs: sums for a period and its comparison, per KPI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from commands.kpi.filters import Filters, slice_key
from commands.kpi.grammar import KpiRequest, Period, fit_to_data
from commands.kpi.registry import KpiDefinition, KpiRegistry
from storage.kpi import DIMENSIONS, MEASURES
from storage.kpi_queries import (
    Measures,
    complete_through,
    grouped_sums,
    stored_extent,
    stored_granularity,
)
from storage.kpi_spikes import spikes_between

SumsByName = dict[str, float | None]


@dataclass(frozen=True)
class KpiLine:
    """One KPI in a snapshot: value, comparison, daily series and any spike found."""

    kpi: KpiDefinition
    value: float | None
    previous: float | None
    series: tuple[float | None, ...]
    spike: str | None  # the detector's one-line explanation
    spike_days: tuple[date, ...] = ()  # every day the detector flagged in the period

    @property
    def relative_change(self) -> float | None:
        """Return (value − previous) / previous, or None when not comparable."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True)
class Snapshot:
    """Everything a /kpi answer shows; no Slack in here."""

    request: KpiRequest
    filters: Filters
    lines: tuple[KpiLine, ...]
    data_through: date | None

    def most_changed(self) -> KpiLine | None:
        """Return the KPI that moved most, relatively (what "Why?" explains)."""
        moved = [line for line in self.lines if line.relative_change is not None]
        return max(moved, key=lambda line: abs(line.relative_change or 0.0), default=None)


def add_sums(rows: Sequence[Measures]) -> SumsByName:
    """Add measure tuples; a measure absent everywhere stays None."""
    totals: SumsByName = dict.fromkeys(MEASURES)
    for row in rows:
        for name, value in zip(MEASURES, row, strict=True):
            if value is not None:
                totals[name] = (totals[name] or 0.0) + value
    return totals


def daily_sums(
    session: Session, *, granularity: str, period: Period, filters: Filters
) -> dict[date, Measures]:
    """Return Σ measures per day of `period`."""
    rows = grouped_sums(
        session,
        granularity=granularity,
        start=period.start,
        end=period.end,
        filters=filters,
        by=("day",),
    )
    return {key[0]: measures for key, measures in rows}


def fit_request(session: Session, request: KpiRequest) -> KpiRequest:
    """Fit the request's periods to the complete days of stored data (see `fit_to_data`)."""
    granularity = stored_granularity(session)
    return fit_to_data(request, complete_through(session, granularity) if granularity else None)


def comparison_scale(request: KpiRequest) -> float:
    """Return the factor that puts the comparison's counts on the period's length."""
    return request.period.days / request.compare.days


def build_snapshot(
    *, session: Session, request: KpiRequest, filters: Filters, registry: KpiRegistry
) -> Snapshot:
    """Compute every KPI for the period and its comparison, with sparklines and spikes."""
    stored, through = stored_extent(session)
    granularity = stored or "day"
    current, previous = _period_sums(session, granularity, request, filters)
    now_sums, then_sums = add_sums(list(current.values())), add_sums(list(previous.values()))
    days = [request.period.start + timedelta(days=i) for i in range(request.period.days)]
    spikes, spike_days = _spike_notes(session, request.period, filters)
    scale = comparison_scale(request)
    lines = []
    for kpi in registry.kpis:
        before = kpi.value(then_sums)
        if before is not None and not kpi.denominator:
            before *= scale  # a count over 30 days is not comparable with one over 28
        series = tuple(
            kpi.value(dict(zip(MEASURES, current[d], strict=True))) if d in current else None
            for d in days
        )
        lines.append(
            KpiLine(
                kpi=kpi,
                value=kpi.value(now_sums),
                previous=before,
                series=series,
                spike=spikes.get(kpi.key),
                spike_days=tuple(sorted(spike_days.get(kpi.key, ()))),
            )
        )
    return Snapshot(
        request=request,
        filters=filters,
        lines=tuple(lines),
        data_through=through,
    )


# A comparison this close to the period is read with it in one query (usually adjacent).
_MERGE_GAP_DAYS = 7


def _period_sums(
    session: Session, granularity: str, request: KpiRequest, filters: Filters
) -> tuple[dict[date, Measures], dict[date, Measures]]:
    """Return Σ measures per day of the period and of its comparison."""
    period, compare = request.period, request.compare
    first, last = min(period.start, compare.start), max(period.end, compare.end)
    if (last - first).days + 1 > period.days + compare.days + _MERGE_GAP_DAYS:
        return (
            daily_sums(session, granularity=granularity, period=period, filters=filters),
            daily_sums(session, granularity=granularity, period=compare, filters=filters),
        )
    both = daily_sums(
        session, granularity=granularity, period=Period(first, last, ""), filters=filters
    )
    return (
        {d: m for d, m in both.items() if period.start <= d <= period.end},
        {d: m for d, m in both.items() if compare.start <= d <= compare.end},
    )


def _spike_notes(
    session: Session, period: Period, filters: Filters
) -> tuple[dict[str, str], dict[str, set[date]]]:
    """Return each KPI's latest spike explanation and every flagged day, for this slice."""
    key = slice_key(filters)
    if key is None:
        return {}, {}
    notes: dict[str, str] = {}
    days: dict[str, set[date]] = {}
    for spike in spikes_between(session, start=period.start, end=period.end, slice_keys=[key]):
        # Later days win: the freshest explanation is the one worth reading.
        notes[spike.kpi] = f"{spike.kind} {spike.day:%a %d %b}: {spike.explanation}"
        days.setdefault(spike.kpi, set()).add(spike.day)
    return notes, days


@dataclass(frozen=True)
class BreakdownRow:
    """One value of the broken-down dimension with its KPI values now and before."""

    value: str
    current: SumsByName
    previous: SumsByName


def build_breakdown(
    *, session: Session, request: KpiRequest, filters: Filters, dimension: str
) -> list[BreakdownRow]:
    """Return the period's sums per value of `dimension`, largest incoming first."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    granularity = stored_granularity(session) or "day"
    grouped: dict[str, list[Measures]] = {}
    for which, period in ((0, request.period), (1, request.compare)):
        for key, measures in grouped_sums(
            session,
            granularity=granularity,
            start=period.start,
            end=period.end,
            filters=filters,
            by=(dimension,),
        ):
            pair = grouped.setdefault(str(key[0]), [(), ()])
            pair[which] = measures
    rows = [
        BreakdownRow(value or "(not given)", _as_sums(pair[0]), _as_sums(pair[1]))
        for value, pair in grouped.items()
    ]
    rows.sort(key=lambda r: (-(r.current.get("incoming") or 0.0), r.value))
    return rows


def _as_sums(measures: Measures) -> SumsByName:
    if not measures:
        return dict.fromkeys(MEASURES)
    return dict(zip(MEASURES, measures, strict=True))


def kpi_values(registry: KpiRegistry, sums: Mapping[str, float | None]) -> dict[str, float | None]:
    """Return each registered KPI's value for one set of sums."""
    return {kpi.key: kpi.value(sums) for kpi in registry.kpis}
