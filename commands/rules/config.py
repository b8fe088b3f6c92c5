"""KPI rules' settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RulesConfig:
    """The settings this family reads, fixed when the runtime is built."""

    dedupe_days: int  # OPSBOT_RULE_DEDUPE_DAYS: one escalation per rule and slice this long

    @classmethod
    def from_settings(cls, settings: Any) -> RulesConfig:
        """Read this family's part of the process settings."""
        return cls(dedupe_days=settings.opsbot_rule_dedupe_days)
