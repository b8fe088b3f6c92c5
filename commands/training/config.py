"""The training family's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.kpi.spikes import SpikeParams


@dataclass(frozen=True)
class TrainingConfig:
    """The settings this family reads, fixed when the runtime is built."""

    timezone: str  # the team's: "today" and due days are read in it
    spikes: SpikeParams  # the pass-rate detector shares the KPI thresholds
    assessment_source_url: str | None  # the assessment pull runs only when set
    assessment_pull_minutes: int
    assessment_source_token: str | None = field(default=None, repr=False)  # kept out of logs
