"""The initiative family's settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InitiativeConfig:
    """The settings this family reads, fixed when the runtime is built."""

    project: str  # JIRA_INITIATIVE_PROJECT
    epic_type: str
    story_type: str
    channel_id: str | None  # OPSBOT_INITIATIVE_CHANNEL, else the team channel, else in place
    near_days: int
    stale_days: int
    timezone: str
