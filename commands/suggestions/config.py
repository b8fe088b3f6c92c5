"""Suggestions' settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SuggestionsConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str

    @classmethod
    def from_settings(cls, settings: Any) -> SuggestionsConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
        )
