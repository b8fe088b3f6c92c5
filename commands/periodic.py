"""Periodic work a family declares; the composition root puts it on the process's one scheduler.

A family never starts a timer of its own: it appends a `RecurringWork` to the runtime's
`recurring_work`, and bot/ registers each on the APScheduler-based scheduler (bot/scheduler.py)
when this process runs it. A claimed job's fire times lie on a grid every replica shares, and
each fire time runs on one replica only; a process without the scheduler (OPSBOT_SCHEDULER=off)
leaves the work to the one that has it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RecurringWork:
    """Run `step(now)` every `every_seconds` (and once at start) on the one scheduler."""

    job_id: str  # also the claim's job id: stable, at most 64 characters
    step: Callable[[datetime], Awaitable[object]]
    every_seconds: float
    # Shared work (a pull, a sweep) is claimed per fire time; process-local work is not.
    claimed: bool = True
