"""Action items' settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ActionsConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str

    @classmethod
    def from_settings(cls, settings: Any) -> ActionsConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
        )
