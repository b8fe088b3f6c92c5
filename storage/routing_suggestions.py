"""Routing suggestions shown in Slack: their latest evidence and what the team decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow

OPEN, DISMISSED, OPENED = "open", "dismissed", "opened"


class RoutingSuggestion(SQLModel, table=True):
    """ "Route `reason` to `to_queue` instead of `from_queue`", per vendor scope ("" = team)."""

    __tablename__ = "routing_suggestion"
    __table_args__ = (
        UniqueConstraint(
            "reason", "from_queue", "to_queue", "vendor_slug", name="uq_routing_suggestion"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=120)
    from_queue: str = Field(max_length=80)
    to_queue: str = Field(max_length=80)
    vendor_slug: str = Field(default="", max_length=64)
    share: float
    cases: int
    cases_per_week: float
    hours_saved_per_week: float
    delay_hours: float
    window_label: str = Field(max_length=80)
    state: str = Field(default=OPEN, max_length=16)
    initiative_id: int | None = None
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def suggestion_for(
    session: Session, *, reason: str, from_queue: str, to_queue: str, vendor_slug: str
) -> RoutingSuggestion | None:
    """Return the stored suggestion for this change in this scope."""
    statement = select(RoutingSuggestion).where(
        col(RoutingSuggestion.reason) == reason,
        col(RoutingSuggestion.from_queue) == from_queue,
        col(RoutingSuggestion.to_queue) == to_queue,
        col(RoutingSuggestion.vendor_slug) == vendor_slug,
    )
    return session.exec(statement).first()


def get_suggestion(session: Session, suggestion_id: int) -> RoutingSuggestion | None:
    """Return the suggestion with this id."""
    return session.get(RoutingSuggestion, suggestion_id)
