"""Check-ins' settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckinsConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str  # the default for a check-in that names none

    @classmethod
    def from_settings(cls, settings: Any) -> CheckinsConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
        )
