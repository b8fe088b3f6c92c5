"""The weekly team summary's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class SummaryConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    schedule: str  # OPSBOT_SUMMARY_SCHEDULE, read in `timezone`
    channel_id: str | None  # OPSBOT_TEAM_CHANNEL: no channel, no summary
    grace: timedelta  # a fire time missed by less than this is still posted

    @classmethod
    def from_settings(cls, settings: Any) -> SummaryConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
            schedule=settings.opsbot_summary_schedule,
            channel_id=settings.opsbot_team_channel,
            grace=timedelta(hours=settings.opsbot_catchup_grace_hours),
        )
