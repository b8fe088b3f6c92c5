"""Detected spikes and drifts: stored once per KPI, slice, day and kind; alerted once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from storage.kpi import KpiSpike
from storage.kpi_version import bump_kpi_version
from storage.types import utcnow


def record_spikes(session: Session, spikes: Sequence[KpiSpike]) -> list[KpiSpike]:
    """Store the spikes not seen before and return those (the unique key dedupes)."""
    new: list[KpiSpike] = []
    for spike in spikes:
        key = (spike.kpi, spike.slice_key, spike.day, spike.kind)
        if session.get(KpiSpike, key) is None:
            session.add(spike)
            new.append(spike)
    session.flush()
    if new:
        bump_kpi_version(session.connection())
    return new


def unalerted_spikes(session: Session) -> list[KpiSpike]:
    """Return stored spikes nobody has been told about yet, oldest day first."""
    statement = (
        select(KpiSpike)
        .where(col(KpiSpike.alerted_at).is_(None))
        .order_by(col(KpiSpike.day), col(KpiSpike.kpi), col(KpiSpike.slice_key))
    )
    return list(session.execute(statement).scalars())


def mark_alerted(session: Session, spike: KpiSpike) -> None:
    """Record that `spike` has been posted."""
    spike.alerted_at = utcnow()
    session.add(spike)
    session.flush()


def spikes_between(
    session: Session, *, start: date, end: date, slice_keys: Sequence[str] | None = None
) -> list[KpiSpike]:
    """Return the spikes found on days in [start, end], optionally for some slices only."""
    statement = select(KpiSpike).where(col(KpiSpike.day) >= start, col(KpiSpike.day) <= end)
    if slice_keys is not None:
        statement = statement.where(col(KpiSpike.slice_key).in_(list(slice_keys)))
    statement = statement.order_by(col(KpiSpike.day), col(KpiSpike.kpi))
    return list(session.execute(statement).scalars())
