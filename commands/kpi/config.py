"""The KPI family's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.kpi.spikes import SpikeParams


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
