"""App Home's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HomeConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    near_days: int  # OPSBOT_INITIATIVE_NEAR_DAYS
    stale_days: int  # OPSBOT_INITIATIVE_STALE_DAYS

    @classmethod
    def from_settings(cls, settings: Any) -> HomeConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
            near_days=settings.opsbot_initiative_near_days,
            stale_days=settings.opsbot_initiative_stale_days,
        )
