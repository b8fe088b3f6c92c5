"""Customer cases for routing analysis: one row per case, replaced by case id on re-import."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlmodel import Field, SQLModel, col

from storage.types import UTCDateTime

BATCH_ROWS = 2000
CASE_FIELDS = (
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
# Filters a caller may apply, each an exact match on a column.
FILTER_FIELDS = ("reason", "vendor", "channel", "country", "language", "initial_queue")


class RoutingCase(SQLModel, table=True):
    """One customer case: first and final queue, transfers and its response and solve times."""

    __tablename__ = "routing_case"
    __table_args__ = (Index("ix_routing_case_created_at", "created_at"),)

    case_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    channel: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=120)
    initial_queue: str = Field(max_length=80)
    final_queue: str = Field(max_length=80)
    transfers: int | None = None
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    solved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor: str | None = Field(default=None, max_length=64, index=True)
    country: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=64)


def _table() -> Table:
    table = RoutingCase.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def replace_cases(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Upsert `rows` by case id, every column set; the caller owns the transaction."""
    table = _table()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for offset in range(0, len(rows), BATCH_ROWS):
        chunk = list(rows[offset : offset + BATCH_ROWS])
        statement = insert(table)
        updates = {name: statement.excluded[name] for name in CASE_FIELDS if name != "case_id"}
        connection.execute(
            statement.on_conflict_do_update(index_elements=["case_id"], set_=updates), chunk
        )
    return len(rows)


def select_cases(
    *,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Sequence[str]],
) -> Select[Any]:
    """Return the query for cases created in [start, end) matching every filter."""
    table = _table()
    query = select(*(table.c[name] for name in CASE_FIELDS))
    if start is not None:
        query = query.where(col(RoutingCase.created_at) >= start)
    if end is not None:
        query = query.where(col(RoutingCase.created_at) < end)
    for name, values in filters.items():
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown case filter {name!r}")
        query = query.where(table.c[name].in_(list(values)))
    return query


def stream_cases(
    connection: Connection,
    *,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Sequence[str]],
) -> Iterator[RowMapping]:
    """Yield the matching cases as column mappings, in chunks, without loading them all."""
    query = select_cases(start=start, end=end, filters=filters)
    result = connection.execution_options(yield_per=10_000).execute(query)
    yield from result.mappings()
