"""Customer cases for routing analysis: one row per case, replaced by case id on re-import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index, Select, Table, case, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel, col

from storage.types import UTCDateTime

BATCH_ROWS = 5000
_SQLITE_CACHE_KIB = 262_144
# A case as it is imported (the CSV header, docs/routing.md), then what import derives.
CASE_COLUMNS = (
    "case_id",
    "created_at",
    "channel",
    "reason",
    "initial_queue",
    "final_queue",
    "transfers",
    "first_response_at",
    "solved_at",
    "vendor",
    "country",
    "language",
)
CASE_FIELDS = (*CASE_COLUMNS, "solve_hours", "first_response_hours")
GROUP_INDEX = (
    "reason",
    "initial_queue",
    "final_queue",
    "created_at",
    "transfers",
    "solve_hours",
    "first_response_hours",
    "vendor",
)
# Filters a caller may apply, each an exact match on a column.
FILTER_FIELDS = ("reason", "vendor", "channel", "country", "language", "initial_queue")


class RoutingCase(SQLModel, table=True):
    """One customer case: first and final queue, transfers and its response and solve times."""

    __tablename__ = "routing_case"
    # One covering index in group order: the analysis's GROUP BY reads it front to back,
    # without a sort and without visiting the table (1M cases: 10 s → under 1 s on SQLite).
    # No index on created_at alone: SQLite would prefer it and fetch every row at random.
    __table_args__ = (Index("ix_routing_case_groups", *GROUP_INDEX),)

    case_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    channel: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=120)
    initial_queue: str = Field(max_length=80)
    final_queue: str = Field(max_length=80)
    transfers: int | None = None
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    solved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=64)
    # Derived at import so the analysis can sum them in SQL on every backend alike.
    solve_hours: float | None = None
    first_response_hours: float | None = None


def _table() -> Table:
    table = RoutingCase.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


CaseRow = tuple[Any, ...]  # values in CASE_FIELDS order; times aware UTC
_TIME_FIELDS = tuple(i for i, name in enumerate(CASE_FIELDS) if name.endswith("_at"))


def _upsert_sql(placeholder: str) -> str:
    values = ", ".join([placeholder] * len(CASE_FIELDS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in CASE_FIELDS if c != "case_id")
    # Only our own constant column names are interpolated; values travel as parameters.
    return (
        f"INSERT INTO routing_case ({', '.join(CASE_FIELDS)}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT (case_id) DO UPDATE SET {updates}"
    )


def _sqlite_row(row: CaseRow) -> CaseRow:
    # The text format SQLAlchemy's SQLite DateTime writes (UTC, no zone), so ORM reads agree.
    values = list(row)
    for i in _TIME_FIELDS:
        if values[i] is not None:
            naive = values[i].astimezone(UTC).replace(tzinfo=None)
            values[i] = naive.isoformat(sep=" ", timespec="microseconds")  # strftime is 5× slower
    return tuple(values)


def replace_cases(connection: Connection, rows: Sequence[CaseRow]) -> int:
    """Upsert `rows` by case id, every column set, in batches on the raw driver cursor.

    The ORM's per-value type processing cost more than the database itself on large imports.
    The caller owns the transaction, so a failure leaves nothing behind.
    """
    sqlite = connection.dialect.name == "sqlite"
    sql = _upsert_sql("?" if sqlite else "%s")
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    previous = None
    if sqlite:
        # Index upkeep on a large table thrashes SQLite's default 2 MB page cache.
        previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-_SQLITE_CACHE_KIB}")
    try:
        for offset in range(0, len(rows), BATCH_ROWS):
            chunk = rows[offset : offset + BATCH_ROWS]
            cursor.executemany(sql, [_sqlite_row(r) for r in chunk] if sqlite else chunk)
    finally:
        if previous is not None:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
        cursor.close()
    return len(rows)


GroupSums = tuple[str, str, str, int, int, int, float, int, float, int]
"""reason, initial, final, cases, Σ transfers, cases with transfers, Σ solve hours, solved,
Σ first-response hours, responded"""


def _filtered(
    query: Select[Any],
    *,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Sequence[str]],
) -> Select[Any]:
    table = _table()
    if start is not None:
        query = query.where(col(RoutingCase.created_at) >= start)
    if end is not None:
        query = query.where(col(RoutingCase.created_at) < end)
    for name, values in filters.items():
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown case filter {name!r}")
        query = query.where(table.c[name].in_(list(values)))
    return query


def group_sums(
    connection: Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Sequence[str]],
) -> tuple[list[GroupSums], datetime | None, datetime | None]:
    """Return the sums per (reason, initial, final) of the matching cases, and their span.

    One GROUP BY in the database: a million cases come back as a few thousand rows.
    """
    t = _table().c
    keys = (t.reason, t.initial_queue, t.final_queue)
    sums = select(
        *keys,
        func.count(),
        func.coalesce(func.sum(t.transfers), 0),
        func.count(t.transfers),
        func.coalesce(func.sum(t.solve_hours), 0.0),
        func.count(t.solve_hours),
        func.coalesce(func.sum(t.first_response_hours), 0.0),
        func.count(t.first_response_hours),
    ).group_by(*keys)
    rows = connection.execute(_filtered(sums, start=start, end=end, filters=filters)).all()
    span = select(func.min(t.created_at).label("first"), func.max(t.created_at).label("last"))
    first, last = connection.execute(_filtered(span, start=start, end=end, filters=filters)).one()
    groups = [
        (
            str(r[0]),
            str(r[1]),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            int(r[5]),
            float(r[6]),
            int(r[7]),
            float(r[8]),
            int(r[9]),
        )
        for r in rows
    ]
    return groups, _aware(first), _aware(last)


def _aware(value: object) -> datetime | None:
    """Read an aggregate of a UTC column back as an aware UTC datetime (SQLite gives text)."""
    if value is None:
        return None
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


WHY_DIMENSIONS = ("reason", "initial_queue", "vendor", "channel", "country", "language")


def misroute_leaves(
    connection: Connection,
    *,
    start: datetime,
    end: datetime,
    filters: Mapping[str, Sequence[str]],
    dims: Sequence[str],
) -> list[tuple[tuple[str, ...], int, int]]:
    """Return (dimension values, misrouted, cases) per leaf of the matching cases."""
    t = _table().c
    keys = [t[name] for name in dims if name in WHY_DIMENSIONS]
    misrouted = func.sum(case((t.initial_queue != t.final_queue, 1), else_=0))
    query = select(*keys, misrouted, func.count()).group_by(*keys)
    rows = connection.execute(_filtered(query, start=start, end=end, filters=filters)).all()
    width = len(keys)
    return [
        (tuple("" if v is None else str(v) for v in r[:width]), int(r[width]), int(r[width + 1]))
        for r in rows
    ]
