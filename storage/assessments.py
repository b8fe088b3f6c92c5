"""Agent assessment results: one row per day, vendor, assessment and pseudonymous agent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint, case, delete, func, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow


class AgentAssessment(SQLModel, table=True):
    """One agent's result in one assessment; re-importing the same key replaces it."""

    __tablename__ = "agent_assessment"
    __table_args__ = (
        UniqueConstraint("day", "vendor_slug", "assessment", "agent", name="uq_agent_assessment"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(sa_type=Date, index=True)
    vendor_slug: str = Field(max_length=64, index=True)
    assessment: str = Field(max_length=100)
    # Pseudonymous; shown only as counts and aggregates, never listed.
    agent: str = Field(max_length=64)
    score: float
    passed: bool
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def replace_assessments(session: Session, rows: list[AgentAssessment]) -> int:
    """Store `rows`, replacing any stored row with the same key; return how many replaced."""
    keys = [(r.day, r.vendor_slug, r.assessment, r.agent) for r in rows]
    replaced = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        match = tuple_(
            col(AgentAssessment.day),
            col(AgentAssessment.vendor_slug),
            col(AgentAssessment.assessment),
            col(AgentAssessment.agent),
        ).in_(chunk)
        result = session.exec(delete(AgentAssessment).where(match))
        replaced += int(result.rowcount or 0)
    session.add_all(rows)
    session.flush()
    return replaced


def assessments_between(
    session: Session,
    *,
    start: date,
    end: date,
    vendor_slugs: list[str] | None = None,
    assessment: str | None = None,
) -> list[AgentAssessment]:
    """Return results from `start` to `end` (inclusive), optionally filtered."""
    statement = select(AgentAssessment).where(
        col(AgentAssessment.day) >= start, col(AgentAssessment.day) <= end
    )
    if vendor_slugs is not None:
        statement = statement.where(col(AgentAssessment.vendor_slug).in_(vendor_slugs))
    if assessment is not None:
        statement = statement.where(col(AgentAssessment.assessment) == assessment)
    return list(session.exec(statement))


def daily_pass_counts(
    session: Session,
    *,
    start: date,
    end: date,
    vendor_slugs: list[str] | None = None,
    assessment: str | None = None,
) -> list[tuple[str, str, date, int, int]]:
    """Return (vendor, assessment, day, results, passed) per day from `start` to `end`."""
    passed = func.sum(case((col(AgentAssessment.passed), 1), else_=0))
    statement = sa_select(
        col(AgentAssessment.vendor_slug),
        col(AgentAssessment.assessment),
        col(AgentAssessment.day),
        func.count(),
        passed,
    ).where(col(AgentAssessment.day) >= start, col(AgentAssessment.day) <= end)
    if vendor_slugs is not None:
        statement = statement.where(col(AgentAssessment.vendor_slug).in_(vendor_slugs))
    if assessment is not None:
        statement = statement.where(col(AgentAssessment.assessment) == assessment)
    grouped = statement.group_by(
        col(AgentAssessment.vendor_slug), col(AgentAssessment.assessment), col(AgentAssessment.day)
    )
    rows = session.execute(grouped).all()
    return [(str(v), str(a), d, int(n), int(p or 0)) for v, a, d, n, p in rows]
