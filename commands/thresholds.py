"""Threshold comparisons shared by KPI rules and training pass-rate rules."""

from __future__ import annotations

from datetime import date
from typing import Protocol, TypeVar

from sqlmodel import Session

from storage.rules import RuleFiring, claim_streak


def breaches(value: float, op: str, threshold: float) -> bool:
    """Tell whether `value op threshold` holds."""
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }[op]


class Streak(Protocol):
    """A breach streak: the days it covers and the latest value seen."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def observed(self) -> float: ...


S = TypeVar("S", bound=Streak)


def claim_once(
    session: Session, *, rule_id: int, breach: S | None, dedupe_days: int
) -> tuple[S, RuleFiring] | None:
    """Return `breach` and its firing when this call claims its streak for the rule, else None.

    None too when there is no breach, or its streak (or one ending within `dedupe_days`)
    already fired: a rule acts once per streak, whichever replica or import sees it first.
    """
    if breach is None:
        return None
    firing = claim_streak(
        session,
        rule_id=rule_id,
        start=breach.start,
        end=breach.end,
        observed=breach.observed,
        dedupe_days=dedupe_days,
    )
    return None if firing is None else (breach, firing)
