"""SEV1 channels (OPSBOT_SEV1_CHANNELS=on): each SEV1 gets `#esc-<key>-<slug>` via the outbox."""

from __future__ import annotations

from typing import Any

# Outbox jobs and a scheduled sweep only (commands/incident_channels/jobs.py).
FAMILIES: tuple[Any, ...] = ()


def register(app: Any) -> None:
    """Nothing to attach: the channels follow stored escalations, not requests."""
