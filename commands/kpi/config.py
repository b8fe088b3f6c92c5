"""The KPI family's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commands.kpi.spikes import SpikeParams, spike_params


@dataclass(frozen=True)
class KpiConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str
    metrics_file: str | None
    spikes: SpikeParams  # OPSBOT_SPIKE_* and OPSBOT_DRIFT_*
    source_url: str | None  # the HTTP pull runs only when set
    pull_minutes: int
    alerts_channel: str | None
    source_token: str | None = field(default=None, repr=False)  # kept out of logs

    @classmethod
    def from_settings(cls, settings: Any) -> KpiConfig:
        """Read this family's part of the process settings."""
        token = settings.opsbot_kpi_source_token
        return cls(
            timezone=settings.opsbot_timezone,
            metrics_file=settings.opsbot_metrics_file,
            spikes=spike_params(settings),
            source_url=settings.opsbot_kpi_source_url,
            source_token=token.get_secret_value() if token else None,
            pull_minutes=settings.opsbot_kpi_pull_minutes,
            alerts_channel=settings.opsbot_alerts_channel,
        )
