"""The knowledge base's settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KbConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    review_days: int  # OPSBOT_KB_REVIEW_DAYS: an article unreviewed this long is stale
