"""Threshold comparisons and breach-streak claims shared by KPI rules and pass-rate rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from storage.rules import KpiRule, RuleFiring, claim_streak


@dataclass(frozen=True)
class Streak:
    """A run of days on which a rule held, up to the latest day with data, and its last value."""

    start: date
    end: date
    observed: float


def breaches(value: float, op: str, threshold: float) -> bool:
    """Tell whether `value op threshold` holds."""
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }[op]


def claim_breach(
    session: Session, *, rule: KpiRule, streak: Streak, dedupe_days: int
) -> RuleFiring | None:
    """Claim `rule`'s streak once (None when a firing within `dedupe_days` already has it)."""
    return claim_streak(
        session,
        rule_id=rule.id or 0,
        start=streak.start,
        end=streak.end,
        observed=streak.observed,
        dedupe_days=dedupe_days,
    )
