"""Nudges' settings."""

from __future__ import annotations

from dataclasses import dataclass

from commands.nudges.parsing import NudgePolicy


@dataclass(frozen=True)
class NudgesConfig:
    """The settings this family reads, fixed when the runtime is built."""

    policy: NudgePolicy  # OPSBOT_NUDGES
    timezone: str  # quiet hours are read in the team's time zone
