"""KPI rules' settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RulesConfig:
    """The settings this family reads, fixed when the runtime is built."""

    dedupe_days: int  # OPSBOT_RULE_DEDUPE_DAYS: one escalation per rule and slice this long
