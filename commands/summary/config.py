"""The weekly team summary's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SummaryConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    schedule: str  # OPSBOT_SUMMARY_SCHEDULE, read in `timezone`
    channel_id: str | None  # OPSBOT_TEAM_CHANNEL: no channel, no summary
    grace: timedelta  # a fire time missed by less than this is still posted
