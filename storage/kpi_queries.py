"""Read side of the KPI store: sums of base measures over days and filters, grouped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from storage.kpi import (
    DIMENSIONS,
    MEASURES,
    ROLLUP_DETAILS,
    ROLLUP_DIMENSIONS,
    KpiDayRollup,
    KpiDimensionValue,
    KpiFact,
)

Measures = tuple[float | None, ...]
Filters = Mapping[str, Sequence[str]]
_T = KpiFact.__table__.c  # type: ignore[attr-defined]
_ROLLUP = KpiDayRollup.__table__.c  # type: ignore[attr-defined]


class _Source:
    """Where one question is read: the rollup at one detail, or the facts."""

    def __init__(self, filters: Filters, by: Sequence[str]) -> None:
        named = {name for name, values in filters.items() if values} | set(by)
        extra = named - {"day", *ROLLUP_DIMENSIONS}
        self.detail: str | None = None
        if not extra:
            self.detail = ""
        elif len(extra) == 1 and next(iter(extra)) in ROLLUP_DETAILS:
            self.detail = next(iter(extra))
        self.table = _T if self.detail is None else _ROLLUP

    def column(self, name: str) -> Any:
        """Return the column holding `name` (a dimension, "day" or a measure)."""
        if self.table is _ROLLUP and name == self.detail:
            return _ROLLUP.value
        return self.table[name]

    def where(
        self, granularity: str, start: date, end: date, filters: Filters
    ) -> list[ColumnElement[bool]]:
        """Return the clauses selecting the period, the granularity and the filters."""
        clauses: list[ColumnElement[bool]] = [
            self.table.granularity == granularity,
            self.table.day >= start,
            self.table.day <= end,
        ]
        if self.detail is not None:
            clauses.append(_ROLLUP.detail == self.detail)
        for name, values in filters.items():
            if name not in DIMENSIONS:
                raise ValueError(f"unknown dimension {name!r}")
            if values:
                clauses.append(self.column(name).in_(list(values)))
        return clauses


def grouped_sums(
    session: Session,
    *,
    granularity: str,
    start: date,
    end: date,
    filters: Filters,
    by: Sequence[str],
) -> list[tuple[tuple[Any, ...], Measures]]:
    """Return (group key, Σ of each measure) per group; `by` names dimensions or "day".

    SUM over only-NULL values is NULL, so a measure nobody reported stays absent.
    """
    for name in by:
        if name != "day" and name not in DIMENSIONS:
            raise ValueError(f"cannot group by {name!r}")
    source = _Source(filters, by)
    keys = [source.column(name) for name in by]
    sums = [func.sum(source.column(m)) for m in MEASURES]
    statement = select(*keys, *sums).where(*source.where(granularity, start, end, filters))
    if keys:
        statement = statement.group_by(*keys)
    result: list[tuple[tuple[Any, ...], Measures]] = []
    width = len(keys)
    for row in session.connection().execute(statement):
        values = tuple(row)
        key = tuple(_as_date(v) if by[i] == "day" else v for i, v in enumerate(values[:width]))
        measures = tuple(None if v is None else float(v) for v in values[width:])
        result.append((key, measures))
    return result


def _as_date(value: Any) -> Any:
    # SQLite hands Date back as text when the column is read through a raw aggregate.
    return date.fromisoformat(value) if isinstance(value, str) else value


def data_through(session: Session, granularity: str) -> date | None:
    """Return the last day holding any fact of `granularity`."""
    # The rollup's key starts (granularity, detail, day): one index probe.
    statement = select(func.max(_ROLLUP.day)).where(
        _ROLLUP.granularity == granularity, _ROLLUP.detail == ""
    )
    return _as_date(session.connection().execute(statement).scalar())  # type: ignore[no-any-return]


def hours_stored(session: Session, day: date) -> int:
    """Return how many distinct hours of `day` hold hourly facts (24 = a complete day)."""
    statement = select(func.count(func.distinct(_T.period_start))).where(
        _T.granularity == "hour", _T.day == day
    )
    return int(session.connection().execute(statement).scalar() or 0)


def complete_through(session: Session, granularity: str) -> date | None:
    """Return the last complete day of data: hourly data's last day counts once it has 23+ hours.

    23, not 24: the day clocks go forward has only 23 hours.
    """
    last = data_through(session, granularity)
    if last is None or granularity != "hour" or hours_stored(session, last) >= 23:
        return last
    return last - timedelta(days=1)


def stored_granularity(session: Session) -> str | None:
    """Return "day" when daily facts exist, else "hour" when hourly ones do, else None."""
    return stored_extent(session)[0]


def stored_extent(session: Session) -> tuple[str | None, date | None]:
    """Return the stored granularity (as `stored_granularity`) and its last day, read once."""
    for granularity in ("day", "hour"):
        last = data_through(session, granularity)
        if last is not None:
            return granularity, last
    return None, None


def known_values(session: Session) -> dict[str, list[str]]:
    """Return every stored value of each dimension, sorted."""
    values: dict[str, list[str]] = {name: [] for name in DIMENSIONS}
    rows = session.connection().execute(
        select(KpiDimensionValue.dimension, KpiDimensionValue.value)  # type: ignore[call-overload]
    )
    for dimension, value in rows:
        values.setdefault(str(dimension), []).append(str(value))
    return {k: sorted(v) for k, v in values.items()}
