"""Import validated batches, then look for new spikes on the standard slices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlmodel import Session

from commands.kpi.formatting import format_percent, format_value
from commands.kpi.registry import KpiRegistry
from commands.kpi.spikes import Finding, SpikeParams, detect
from commands.vendors.service import register_vendors
from integrations.csv_rows import RowProblems
from integrations.kpi_sources.csv_reader import plain_kpi_csv
from integrations.kpi_sources.records import KpiBatch
from storage.kpi import DIMENSIONS, MEASURES, KpiSpike
from storage.kpi_copy import copy_csv_facts
from storage.kpi_queries import data_through, grouped_sums, stored_granularity
from storage.kpi_spikes import record_spikes
from storage.kpi_write import replace_facts

RECENT_DAYS = 28


@dataclass
class ImportSummary:
    """What an import wrote and what it found."""

    rows: int = 0
    changed: int = 0  # rows new or different from what was stored
    periods: int = 0
    slices: int = 0
    new_spikes: list[KpiSpike] = field(default_factory=list)
    new_vendors: list[str] = field(default_factory=list)  # slugs the registry learnt


def write_batches(
    *, session: Session, batches: Sequence[KpiBatch], progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Replace the batches' (period, slice) keys and register the vendors the data names."""
    connection = session.connection()
    summary = ImportSummary()
    periods: set[object] = set()
    slices: set[tuple[str, ...]] = set()
    for batch in batches:
        summary.rows += len(batch.rows)
        summary.changed += replace_facts(connection, batch.rows, progress=progress)
        periods |= batch.periods
        slices |= batch.slices
    return _summed(session, summary, periods, slices)


def import_csv_files(
    *,
    session: Session,
    paths: Sequence[Path],
    timezone: str,
    problems: RowProblems,
    read: Callable[[Path], KpiBatch],
) -> ImportSummary:
    """Check and write KPI CSV files in the session's transaction, in order; raise BadRows.

    On SQLite every file is read (`read`, row by row, adding bad rows to `problems`) before
    anything is written, as the write lock is held from the first write. On PostgreSQL a
    plainly clean file goes to the server as text and is checked and cast there
    (storage.kpi_copy), a file at a time; any other file is read row by row. Every file is
    checked even after a bad one, so all bad rows are reported, and then nothing is kept.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        batches = [read(path) for path in paths]
        problems.check()
        return write_batches(session=session, batches=batches)
    summary = ImportSummary()
    periods: set[object] = set()
    slices: set[tuple[str, ...]] = set()
    for path in paths:
        plain = plain_kpi_csv(path, timezone=timezone)
        copied = None
        if plain is not None:
            copied = copy_csv_facts(
                connection,
                body=plain.body,
                columns=plain.reader.columns,
                time_column=plain.reader.time_column,
                periods=plain.reader.periods_of,
            )
        if copied is not None:
            summary.rows += copied.rows
            summary.changed += copied.changed
            periods |= copied.periods
            slices |= copied.slices
            continue
        batch = read(path)
        if problems.total:  # nothing will be kept: only look for more bad rows
            continue
        summary.rows += len(batch.rows)
        summary.changed += replace_facts(connection, batch.rows)
        periods |= batch.periods
        slices |= batch.slices
    problems.check()
    return _summed(session, summary, periods, slices)


def _summed(
    session: Session, summary: ImportSummary, periods: set[object], slices: set[tuple[str, ...]]
) -> ImportSummary:
    summary.periods, summary.slices = len(periods), len(slices)
    # Every vendor in the data is a vendor: `/escalate … vendor:acme` works right after.
    vendor_at = DIMENSIONS.index("vendor")
    named = {dims[vendor_at] for dims in slices}
    summary.new_vendors = [v.slug for v in register_vendors(session, named)]
    return summary


def explain(kpi_registry: KpiRegistry, kpi_key: str, finding: Finding) -> str:
    """Return the detector's one line: expected, got, change and score."""
    kpi = kpi_registry.get(kpi_key)
    assert kpi is not None
    change = format_percent(finding.actual, finding.expected)
    if finding.kind == "drift":
        return (
            f"drifting: expected ≈ {format_value(kpi, finding.expected)} for a {finding.weekday}, "
            f"got {format_value(kpi, finding.actual)} ({change}, CUSUM {finding.z:.1f})"
        )
    return (
        f"expected ≈ {format_value(kpi, finding.expected)} for a {finding.weekday}, "
        f"got {format_value(kpi, finding.actual)} ({change}, z {finding.z:.1f})"
    )


def _slice_key(vendor: str | None, queue: str | None) -> str:
    parts = ([f"queue={queue}"] if queue else []) + ([f"vendor={vendor}"] if vendor else [])
    return "|".join(parts)


def find_spikes(
    *, session: Session, registry: KpiRegistry, params: SpikeParams, since: date | None = None
) -> list[KpiSpike]:
    """Detect spikes on the team, each vendor, each queue and vendor × queue; store new ones."""
    granularity = stored_granularity(session)
    end = data_through(session, granularity) if granularity else None
    if granularity is None or end is None:
        return []
    history = params.weeks * 7 + params.history_days + RECENT_DAYS
    start = end - timedelta(days=history - 1)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    cubes = _slice_cubes(session, granularity=granularity, start=start, end=end)
    evaluate_from = max(since or start, end - timedelta(days=RECENT_DAYS - 1))
    spikes: list[KpiSpike] = []
    for key, cube in sorted(cubes.items()):
        for kpi in registry.kpis:
            numerator = _series(cube, kpi.numerator)
            volume = None
            series = numerator
            if kpi.denominator:
                volume = _series(cube, kpi.denominator)
                with np.errstate(divide="ignore", invalid="ignore"):
                    series = np.where(volume > 0, numerator / volume, np.nan)
            if kpi.one_minus:
                series = 1.0 - series
            for finding in detect(days, series, params=params, volume=volume, since=evaluate_from):
                spikes.append(
                    KpiSpike(
                        kpi=kpi.key,
                        slice_key=key,
                        day=finding.day,
                        kind=finding.kind,
                        expected=finding.expected,
                        actual=finding.actual,
                        z=finding.z,
                        explanation=explain(registry, kpi.key, finding)[:400],
                    )
                )
    return record_spikes(session, spikes)


def _slice_cubes(
    session: Session, *, granularity: str, start: date, end: date
) -> dict[str, np.ndarray]:
    """Return a day × measure array per standard slice (team, vendor, queue, vendor × queue)."""
    rows = grouped_sums(
        session,
        granularity=granularity,
        start=start,
        end=end,
        filters={},
        by=("day", "vendor", "queue"),
    )
    n_days = (end - start).days + 1
    cubes: dict[str, np.ndarray] = {}
    for (day, vendor, queue), measures in rows:
        values = np.array([np.nan if v is None else v for v in measures])
        t = (day - start).days
        for key in {
            "",
            _slice_key(vendor, None),
            _slice_key(None, queue),
            _slice_key(vendor, queue),
        }:
            cube = cubes.setdefault(key, np.full((n_days, len(MEASURES)), np.nan))
            cube[t] = np.where(
                np.isnan(cube[t]), values, np.nan_to_num(cube[t]) + np.nan_to_num(values)
            )
    return cubes


def _series(cube: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    columns = cube[:, [MEASURES.index(n) for n in names]]
    absent = np.all(np.isnan(columns), axis=1)
    return np.where(absent, np.nan, np.nansum(columns, axis=1))
