"""Nudges for stale work: SEV1/SEV2 escalations and initiatives, one DM per interval."""

from __future__ import annotations

from typing import Any

# Scheduled work only (commands/nudges/jobs.py): no command, no listener.
FAMILIES: tuple[Any, ...] = ()


def register(app: Any) -> None:
    """Nothing to attach: nudges are sent by the scheduler's sweep."""
