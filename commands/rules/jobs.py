"""The KPI rule sweep: a claimed job on the scheduler, and the check right after an import.

Each fire time is swept by one replica (bot/scheduler.py claims it). What a breach opens goes
through the escalation desk and its outbox, so a failed post is retried there with backoff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from commands.periodic import RecurringWork
from commands.rules.config import RulesConfig
from commands.rules.service import evaluate_rule, evaluate_rules
from storage.engine import in_worker
from storage.rules import KpiRule

RULES_JOB = "kpi-rules"
RULES_EVERY_SECONDS = 60.0


class RuleSweep:
    """Evaluate KPI rules against what imports stored since the last sweep."""

    def __init__(self, runtime: Any, config: RulesConfig) -> None:
        self.runtime = runtime
        self.config = config

    def check(self, session: Session) -> list[str]:
        """Evaluate every active rule in `session`; return the keys of escalations opened."""
        return evaluate_rules(
            session=session,
            desk=self.runtime.escalations,
            registry=self.runtime.kpi_registry,
            dedupe_days=self.config.dedupe_days,
            now=self.runtime.clock(),
        )

    def check_rule(self, session: Session, rule: KpiRule) -> str | None:
        """Evaluate one rule now (right after it was added); return what it opened, if any."""
        return evaluate_rule(
            session=session,
            rule=rule,
            desk=self.runtime.escalations,
            registry=self.runtime.kpi_registry,
            dedupe_days=self.config.dedupe_days,
            now=self.runtime.clock(),
        )

    async def step(self, _now: datetime) -> list[str]:
        """Scheduler step: one sweep in a unit of work on the worker pool."""
        return await in_worker(self.runtime.sessions, self.check)

    def recurring(self) -> RecurringWork:
        """Return the sweep as a claimed job for the scheduler."""
        return RecurringWork(RULES_JOB, self.step, every_seconds=RULES_EVERY_SECONDS)
