"""The settings every family shares: the team's time zone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TeamConfig:
    """What a family that needs nothing of its own reads (context name `team_config`)."""

    timezone: str  # OPSBOT_TIMEZONE: "today", due days and default schedules are read in it
