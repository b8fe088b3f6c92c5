"""Check-ins' settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class CheckinsConfig:
    """The settings this family reads, fixed when the runtime is built."""

    grace: timedelta  # OPSBOT_CATCHUP_GRACE_HOURS: a run missed by less is still posted
