"""Bulk writes of KPI facts: replace by (period, slice) key in batches, one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, delete, func, insert, literal, select, text
from sqlalchemy.engine import Connection

from storage.kpi import (
    DIMENSIONS,
    MEASURES,
    ROLLUP_DETAILS,
    ROLLUP_DIMENSIONS,
    KpiDayRollup,
    KpiFact,
)
from storage.kpi_version import bump_kpi_version

BATCH_ROWS = 5000
_SQLITE_CACHE_KIB = 262_144


class FactRow(NamedTuple):
    """One validated fact: period, the day it counts towards, slice and measures.

    A named tuple, not a dataclass: an import builds a million of them, and a tuple is
    built several times faster than a frozen dataclass.
    """

    granularity: str
    period_start: datetime  # aware UTC
    day: date
    dims: tuple[str, str, str, str, str]  # in DIMENSIONS order, "" = not given
    measures: tuple[float | None, ...]  # in MEASURES order, None = absent


_FACT: Table = KpiFact.__table__  # type: ignore[attr-defined]
_ROLLUP: Table = KpiDayRollup.__table__  # type: ignore[attr-defined]
_ROLLUP_KEY = ("granularity", "detail", "day", *ROLLUP_DIMENSIONS, "value")
_KEY = ("granularity", "period_start", *DIMENSIONS)
FACT_COLUMNS = (*_KEY, "day", *MEASURES)
# PostgreSQL types of FACT_COLUMNS, in order, for the binary COPY.
_PG_COPY_TYPES = ["varchar", "timestamptz", *["varchar"] * len(DIMENSIONS), "date"]
_PG_COPY_TYPES += ["float8"] * len(MEASURES)


def _upsert_sql(placeholder: str) -> str:
    values = ", ".join([placeholder] * len(FACT_COLUMNS))
    return (
        f"INSERT INTO kpi_fact ({', '.join(FACT_COLUMNS)}) VALUES ({values}) "  # noqa: S608
        + _ON_CONFLICT.format(differs="IS NOT")
    )


_REPLACED = ("day", *MEASURES)
# Only our own constant column names are interpolated; values travel as parameters. A row
# whose values are all the same is left alone: a re-import of an unchanged file writes
# no row version and no index entry (and changes nothing, as it should).
_ON_CONFLICT = (
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _REPLACED)
    + f" WHERE ({', '.join(f'kpi_fact.{c}' for c in _REPLACED)}) {{differs}} "
    + f"({', '.join(f'excluded.{c}' for c in _REPLACED)})"
)


def _sqlite_params(rows: Sequence[FactRow]) -> list[tuple[object, ...]]:
    # Same text formats SQLAlchemy's SQLite DateTime/Date use, so ORM reads agree. Rows
    # share few periods: format each once (strftime per row was a third of the write).
    stamps: dict[datetime, str] = {}
    days: dict[date, str] = {}
    params: list[tuple[object, ...]] = []
    for row in rows:
        start = stamps.get(row.period_start)
        if start is None:
            start = stamps[row.period_start] = row.period_start.strftime("%Y-%m-%d %H:%M:%S.%f")
        day = days.get(row.day)
        if day is None:
            day = days[row.day] = row.day.isoformat()
        params.append((row.granularity, start, *row.dims, day, *row.measures))
    return params


def _native_params(row: FactRow) -> tuple[object, ...]:
    return (row.granularity, row.period_start, *row.dims, row.day, *row.measures)


def replace_facts(
    connection: Connection,
    rows: Sequence[FactRow],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `rows`, replacing any stored row with the same period and slice.

    Replace-by-key is an upsert that sets every measure (absent ones to NULL), which is
    exactly "delete the keys present, then insert". The caller owns the transaction, so a
    failure leaves nothing behind. Returns how many rows were new or changed: when none
    were, the rollup and the data version stay as they are (kept answers stay valid).
    """
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        if connection.dialect.name == "postgresql":
            changed, days = _copy_then_upsert(cursor, rows, progress)
        else:
            changed = _sqlite_upsert(cursor, rows, progress)
            days = {(row.granularity, row.day) for row in rows} if changed else set()
    finally:
        cursor.close()
    finish_write(connection, changed=changed, days=days, slices={row.dims for row in rows})
    return changed


def finish_write(
    connection: Connection,
    *,
    changed: int,
    days: Iterable[tuple[str, date]],
    slices: Iterable[tuple[str, ...]],
) -> None:
    """After facts were written: remember the dimension values, then rebuild what changed.

    `days` are the (granularity, day) pairs whose facts changed; with nothing changed the
    rollup and the data version stay as they are.
    """
    _remember_values(connection, slices)
    if changed:
        rebuild_rollup(connection, days)
        bump_kpi_version(connection)


def _sqlite_upsert(
    cursor: Any, rows: Sequence[FactRow], progress: Callable[[int], None] | None
) -> int:
    sql = _upsert_sql("?")
    # Index upkeep on a large table thrashes SQLite's default 2 MB page cache.
    previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = {-_SQLITE_CACHE_KIB}")
    changed = 0
    try:
        for offset in range(0, len(rows), BATCH_ROWS):
            chunk = rows[offset : offset + BATCH_ROWS]
            cursor.executemany(sql, _sqlite_params(chunk))
            changed += max(int(cursor.rowcount), 0)  # an unchanged row's upsert writes nothing
            if progress is not None:
                progress(len(chunk))
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(previous)}")
    return changed


def _copy_then_upsert(
    cursor: Any, rows: Sequence[FactRow], progress: Callable[[int], None] | None
) -> tuple[int, set[tuple[str, date]]]:
    """COPY into a session-local staging table, then one set-based upsert."""
    columns = ", ".join(FACT_COLUMNS)
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS kpi_fact_load "
        "(LIKE kpi_fact INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    cursor.execute("TRUNCATE kpi_fact_load")
    # Binary COPY with the column types given: no text formatting or parsing per value (five
    # times faster than the text format on the import bench).
    with cursor.copy(f"COPY kpi_fact_load ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_PG_COPY_TYPES)
        for done, row in enumerate(rows, start=1):
            copy.write_row(_native_params(row))
            if progress is not None and done % BATCH_ROWS == 0:
                progress(BATCH_ROWS)
    changed, days = upsert_changed(cursor, f"SELECT {columns} FROM kpi_fact_load")  # noqa: S608
    if progress is not None:
        progress(len(rows) % BATCH_ROWS)
    return changed, days


def upsert_changed(cursor: Any, rows_sql: str) -> tuple[int, set[tuple[str, date]]]:
    """Upsert the FACT_COLUMNS rows `rows_sql` selects (PostgreSQL); return what changed.

    Returns how many rows were new or changed and the (granularity, day) pairs they fall
    on, so only those days' rollup is rebuilt. The day counts come back from the upsert
    itself, not from a second scan.
    """
    cursor.execute(
        f"WITH written AS (INSERT INTO kpi_fact ({', '.join(FACT_COLUMNS)}) {rows_sql} "  # noqa: S608
        + _ON_CONFLICT.format(differs="IS DISTINCT FROM")
        + " RETURNING granularity, day) SELECT granularity, day, count(*) FROM written "
        "GROUP BY granularity, day"
    )
    counted = cursor.fetchall()
    return sum(int(n) for _, _, n in counted), {(g, d) for g, d, _ in counted}


def _remember_values(connection: Connection, slices: Iterable[tuple[str, ...]]) -> None:
    seen: set[tuple[str, str]] = set()
    # Few distinct slices among many rows: expand each slice once.
    for dims in slices:
        for name, value in zip(DIMENSIONS, dims, strict=True):
            if value:
                seen.add((name, value))
    if not seen:
        return
    placeholder = "?" if connection.dialect.name == "sqlite" else "%s"
    sql = (
        f"INSERT INTO kpi_dimension_value (dimension, value) VALUES ({placeholder}, "  # noqa: S608
        f"{placeholder}) ON CONFLICT (dimension, value) DO NOTHING"
    )
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, sorted(seen))
    finally:
        cursor.close()


def rebuild_rollup(connection: Connection, days: Iterable[tuple[str, date]]) -> None:
    """Recompute the daily rollup from the facts over the (granularity, day) pairs given.

    Recomputing (not adding) keeps it exact under replace-by-key. An hour reaches one day
    further each way, because re-importing an hour under another OPSBOT_TIMEZONE moves its
    row to a neighbouring day, whose sums change too. PostgreSQL rebuilds exactly those
    days; SQLite (which cannot say which rows an executemany changed) rebuilds the span
    from the first to the last day per granularity.
    """
    touched: dict[str, set[date]] = {}
    for granularity, day in days:
        touched.setdefault(granularity, set()).add(day)
    for granularity, some in sorted(touched.items()):
        if granularity == "hour":
            some = {d + timedelta(days=k) for d in some for k in (-1, 0, 1)}
        if connection.dialect.name == "postgresql":
            chosen = {"granularity": granularity, "days": sorted(some)}
            connection.execute(_PG_ROLLUP_DELETE, chosen)
            connection.execute(_PG_ROLLUP, chosen)
            continue
        first, last = min(some), max(some)
        connection.execute(
            delete(_ROLLUP).where(
                _ROLLUP.c.granularity == granularity, _ROLLUP.c.day.between(first, last)
            )
        )
        for detail in ("", *ROLLUP_DETAILS):
            connection.execute(_rollup_insert(granularity, detail, first, last))


_PG_ROLLUP_DELETE = text(
    "DELETE FROM kpi_day_rollup WHERE granularity = :granularity AND day = ANY(:days)"
)
# One scan of the facts on PostgreSQL: each grouping set is one detail level. In each set
# only its own detail column is not NULL, so COALESCE picks the value.
_PG_ROLLUP = text(
    f"INSERT INTO kpi_day_rollup ({', '.join(_ROLLUP_KEY)}, {', '.join(MEASURES)}) "  # noqa: S608
    "SELECT granularity, CASE "
    + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in ROLLUP_DETAILS)
    + f" ELSE '' END, day, {', '.join(ROLLUP_DIMENSIONS)}, "
    f"COALESCE({', '.join(ROLLUP_DETAILS)}, ''), "
    + ", ".join(f"SUM({m})" for m in MEASURES)
    + " FROM kpi_fact WHERE granularity = :granularity AND day = ANY(:days) "
    f"GROUP BY granularity, day, {', '.join(ROLLUP_DIMENSIONS)}, GROUPING SETS ((), "
    + ", ".join(f"({d})" for d in ROLLUP_DETAILS)
    + ")"
)


def _rollup_insert(granularity: str, detail: str, first: date, last: date) -> Any:
    keys = [_FACT.c.granularity, _FACT.c.day, *[_FACT.c[d] for d in ROLLUP_DIMENSIONS]]
    if detail:
        keys.append(_FACT.c[detail])
    value = _FACT.c[detail] if detail else literal("")
    sums = [func.sum(_FACT.c[m]) for m in MEASURES]
    rows = (
        select(_FACT.c.granularity, literal(detail), _FACT.c.day, *keys[2:4], value, *sums)
        .where(_FACT.c.granularity == granularity, _FACT.c.day.between(first, last))
        .group_by(*keys)
    )
    return insert(_ROLLUP).from_select([*_ROLLUP_KEY, *MEASURES], rows)
