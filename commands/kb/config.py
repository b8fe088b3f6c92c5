"""The knowledge base's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KbConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    review_days: int  # OPSBOT_KB_REVIEW_DAYS: an article unreviewed this long is stale

    @classmethod
    def from_settings(cls, settings: Any) -> KbConfig:
        """Read this family's part of the process settings."""
        return cls(
            timezone=settings.opsbot_timezone,
            review_days=int(settings.opsbot_kb_review_days),
        )
