"""The settings every family shares: the team's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TeamConfig:
    """What a family that needs nothing of its own reads (context name `team_config`)."""

    timezone: str  # OPSBOT_TIMEZONE: "today", due days and default schedules are read in it

    @classmethod
    def from_settings(cls, settings: Any) -> TeamConfig:
        """Read the shared part of the process settings."""
        return cls(timezone=settings.opsbot_timezone)
