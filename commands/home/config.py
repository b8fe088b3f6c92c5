"""App Home's settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    near_days: int  # OPSBOT_INITIATIVE_NEAR_DAYS
    stale_days: int  # OPSBOT_INITIATIVE_STALE_DAYS
