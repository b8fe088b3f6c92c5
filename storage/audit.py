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


def insert_events(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Write a batch of audit rows in one statement (columns as in AuditEvent)."""
    if not rows:
        return
    with engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__), list(rows))  # type: ignore[attr-defined]


def recent_events(session: Session, *, limit: int = 50) -> list[AuditEvent]:
    """Return the newest audit events first."""
    statement = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    return list(session.exec(statement))
