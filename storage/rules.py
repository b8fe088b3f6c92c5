"""Admin-configured KPI rules and the escalations their breaches opened (once per streak)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Date, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.claims import claim_in_savepoint
from storage.types import UTCDateTime, utcnow


class KpiRule(SQLModel, table=True):
    """`AHT vendor:acme > 9m for 2 days` → open a SEV3 escalation when it holds."""

    __tablename__ = "kpi_rule"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=500)
    kpi: str = Field(max_length=64)
    filters: dict[str, list[str]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    op: str = Field(max_length=2)  # > >= < <=
    threshold: float  # in the KPI's base unit (seconds for durations, a fraction for rates)
    days: int = Field(default=1, ge=1)
    severity: int = Field(default=3, ge=1, le=4)
    active: bool = True
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RuleFiring(SQLModel, table=True):
    """A breach streak that opened an escalation; unique per rule and streak start."""

    __tablename__ = "kpi_rule_firing"
    __table_args__ = (
        UniqueConstraint("rule_id", "streak_start", name="uq_kpi_rule_firing_streak"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="kpi_rule.id", index=True)
    streak_start: date = Field(sa_type=Date)
    streak_end: date = Field(sa_type=Date)
    observed: float
    escalation_ref: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def add_rule(session: Session, rule: KpiRule) -> KpiRule:
    """Store a rule; flushed so the id is known."""
    session.add(rule)
    session.flush()
    return rule


def get_rule(session: Session, rule_id: int) -> KpiRule | None:
    """Return one rule by id."""
    return session.get(KpiRule, rule_id)


def active_rules(session: Session) -> list[KpiRule]:
    """Return the rules in force, oldest first."""
    statement = select(KpiRule).where(col(KpiRule.active).is_(True)).order_by(col(KpiRule.id))
    return list(session.exec(statement))


def deactivate_rule(session: Session, rule: KpiRule) -> None:
    """Retire a rule (its firings stay as history)."""
    rule.active = False
    session.add(rule)
    session.flush()


def recent_firing(session: Session, *, rule_id: int, since: date) -> RuleFiring | None:
    """Return a firing of the rule whose streak ended on or after `since`."""
    statement = (
        select(RuleFiring)
        .where(col(RuleFiring.rule_id) == rule_id, col(RuleFiring.streak_end) >= since)
        .order_by(col(RuleFiring.id).desc())
    )
    return session.exec(statement).first()


def claim_firing(
    session: Session, *, rule_id: int, streak_start: date, streak_end: date, observed: float
) -> RuleFiring | None:
    """Insert the firing in a savepoint; None when this streak already fired."""
    firing = RuleFiring(
        rule_id=rule_id, streak_start=streak_start, streak_end=streak_end, observed=observed
    )
    return claim_in_savepoint(session, firing)


def claim_streak(
    session: Session,
    *,
    rule_id: int,
    start: date,
    end: date,
    observed: float,
    dedupe_days: int,
) -> RuleFiring | None:
    """Claim a breach streak once: None when it, or one ending within `dedupe_days`, fired."""
    if recent_firing(session, rule_id=rule_id, since=end - timedelta(days=dedupe_days)):
        return None
    return claim_firing(
        session, rule_id=rule_id, streak_start=start, streak_end=end, observed=observed
    )


def firings_for(session: Session, rule_id: int) -> list[RuleFiring]:
    """Return a rule's firings, oldest first."""
    statement = select(RuleFiring).where(col(RuleFiring.rule_id) == rule_id)
    return list(session.exec(statement.order_by(col(RuleFiring.id))))
