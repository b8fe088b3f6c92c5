"""KPI facts: one row per period and slice, seven additive measures, replaced on re-import.

A slice is the five dimension values; an empty string means "not given", so the composite
primary key doubles as the replace key on every backend. A NULL measure is absent data,
never zero. ``day`` is the calendar day the row counts towards (the date itself for daily
rows; the hour's date in OPSBOT_TIMEZONE at import for hourly rows), so every query reads
one indexed date column.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Float, Index, Integer, String
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

DIMENSIONS: tuple[str, ...] = ("queue", "vendor", "country", "language", "channel")
MEASURES: tuple[str, ...] = (
    "incoming",
    "manual_incoming",
    "solved",
    "manual_solved",
    "handle_seconds",
    "handled",
    "solve_age_seconds",
)
GRANULARITIES: tuple[str, ...] = ("day", "hour")


class KpiFact(SQLModel, table=True):
    """Base measures of one period (day or hour) for one slice."""

    __tablename__ = "kpi_fact"
    # The daily rollup answers vendor and queue questions, so only the day index remains
    # (migration 0510): two fewer indexes to keep up on every imported row.
    __table_args__ = (Index("ix_kpi_fact_day", "granularity", "day"),)

    granularity: str = Field(sa_column=Column(String(4), primary_key=True))
    period_start: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    queue: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    vendor: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    country: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    language: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    channel: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    day: date = Field(sa_column=Column(Date, nullable=False))
    incoming: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    manual_incoming: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    solved: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    manual_solved: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    handle_seconds: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    handled: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    solve_age_seconds: float | None = Field(default=None, sa_column=Column(Float(precision=53)))


ROLLUP_DIMENSIONS: tuple[str, ...] = ("queue", "vendor")  # in every rollup row
ROLLUP_DETAILS: tuple[str, ...] = ("country", "language", "channel")  # at most one per row


class KpiDayRollup(SQLModel, table=True):
    """Σ of each measure per day, queue, vendor and at most one more dimension.

    `detail` names that dimension ("" for none) and `value` holds its value, so one table
    answers every /kpi question naming day, queue, vendor and one other dimension — the
    snapshot, the break-downs and the spike scan — at a few hundredths of the facts' rows.
    Rebuilt from the facts for every day an import touches, in the import's transaction
    (storage/kpi_write.py), so it never disagrees with them. A sum over only-NULL values is
    NULL here too, so absent data stays absent.
    """

    __tablename__ = "kpi_day_rollup"

    granularity: str = Field(sa_column=Column(String(4), primary_key=True))
    detail: str = Field(default="", sa_column=Column(String(16), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    queue: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    vendor: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    value: str = Field(default="", sa_column=Column(String(64), primary_key=True))
    incoming: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    manual_incoming: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    solved: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    manual_solved: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    handle_seconds: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    handled: float | None = Field(default=None, sa_column=Column(Float(precision=53)))
    solve_age_seconds: float | None = Field(default=None, sa_column=Column(Float(precision=53)))


class KpiDimensionValue(SQLModel, table=True):
    """Every value seen per dimension, so filters are checked without scanning the facts."""

    __tablename__ = "kpi_dimension_value"

    dimension: str = Field(sa_column=Column(String(16), primary_key=True))
    value: str = Field(sa_column=Column(String(64), primary_key=True))


class KpiSpike(SQLModel, table=True):
    """A spike or drift found on one KPI, slice and day; the key makes alerts post once."""

    __tablename__ = "kpi_spike"
    __table_args__ = (Index("ix_kpi_spike_day", "day"),)

    kpi: str = Field(sa_column=Column(String(64), primary_key=True))
    slice_key: str = Field(sa_column=Column(String(200), primary_key=True))
    day: date = Field(sa_column=Column(Date, primary_key=True))
    kind: str = Field(sa_column=Column(String(8), primary_key=True))  # "spike" | "drift"
    expected: float
    actual: float
    z: float
    explanation: str = Field(max_length=400)
    found_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class KpiDataVersion(SQLModel, table=True):
    """A counter bumped in the same transaction as every KPI fact or spike write.

    Readers key caches on it, so an import by any process (CLI, pull, another replica)
    invalidates them at its commit.
    """

    __tablename__ = "kpi_data_version"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
