"""Error types for command services (re-exported so services import from one place)."""

from integrations.errors import (
    NotAllowed,
    NotFound,
    OpsbotError,
    SlackUnavailable,
    TrackerUnavailable,
    UsageError,
)

__all__ = [
    "NotAllowed",
    "NotFound",
    "OpsbotError",
    "SlackUnavailable",
    "TrackerUnavailable",
    "UsageError",
]
