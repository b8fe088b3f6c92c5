"""SEV1 incident channels' settings."""

from __future__ import annotations

from dataclasses import dataclass

from commands.incident_channels.parsing import Responders


@dataclass(frozen=True)
class IncidentChannelsConfig:
    """The settings this family reads, fixed when the runtime is built."""

    enabled: bool  # OPSBOT_SEV1_CHANNELS=on: the sweep opens channels for new SEV1s
    responders: Responders  # OPSBOT_SEV1_RESPONDERS
    archive_hours: float  # OPSBOT_SEV1_ARCHIVE_HOURS after the resolve
