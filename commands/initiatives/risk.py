"""When an initiative is at risk: target near and behind a linear plan, or no recent update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.initiatives import Initiative


@dataclass(frozen=True)
class Risk:
    """The verdict for one initiative at one moment, with the reasons in words."""

    at_risk: bool
    reasons: tuple[str, ...]
    progress: float  # done / total children, 0 when there are none
    planned: float | None  # where a straight line from start to target says it should be
    days_since_update: int
    days_to_target: int | None


def assess(
    initiative: Initiative, *, now: datetime, today: date, near_days: int, stale_days: int
) -> Risk:
    """Judge `initiative` as of `now` (`today` is the local day)."""
    total, done = initiative.children_total, initiative.children_done
    progress = done / total if total else 0.0
    since = max(0, (now - initiative.last_update_at).days)
    reasons: list[str] = []
    planned: float | None = None
    to_target: int | None = None
    if initiative.target_date is not None:
        to_target = (initiative.target_date - today).days
        start = initiative.created_at.date()
        span = (initiative.target_date - start).days
        elapsed = (today - start).days
        planned = 1.0 if span <= 0 else min(1.0, max(0.0, elapsed / span))
        if to_target <= near_days and progress < planned and initiative.is_open:
            when = f"target in {to_target} days" if to_target >= 0 else f"{-to_target} days late"
            reasons.append(f"{when}, {progress:.0%} done vs {planned:.0%} planned")
    if since >= stale_days and initiative.is_open:
        reasons.append(f"no update for {since} days")
    return Risk(
        at_risk=bool(reasons),
        reasons=tuple(reasons),
        progress=progress,
        planned=planned,
        days_since_update=since,
        days_to_target=to_target,
    )
