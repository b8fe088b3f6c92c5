"""Audit trail: one row per Slack command or interaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what, where, with which outcome and how fast."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: str | None = Field(default=None, max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=32)
    name: str = Field(max_length=255)
    detail: str = Field(default="", max_length=500)
    outcome: str = Field(max_length=32)
    latency_ms: float = 0.0


# Rows per INSERT: 9 columns each stays under SQLite's 32,766 and psycopg's 65,535 parameters.
INSERT_BATCH = 1000


def insert_events(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Write up to INSERT_BATCH audit rows as one autocommitted statement (AuditEvent columns).

    One multi-row INSERT, no transaction around it: on SQLite the write lock is then held
    only inside that statement's C call, not while this thread waits for the GIL to send a
    COMMIT, which sent every request's dedupe claim into SQLite's busy-handler sleeps.
    """
    if not rows:
        return
    if len(rows) > INSERT_BATCH:
        raise ValueError(f"at most {INSERT_BATCH} audit rows per insert, got {len(rows)}")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(insert(AuditEvent.__table__).values(list(rows)))  # type: ignore[attr-defined]


def recent_events(session: Session, *, limit: int = 50) -> list[AuditEvent]:
    """Return the newest audit events first."""
    statement = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(statement))
