"""Wire the KPI feature into a runtime: registry service, digest section, scheduled pull."""

from __future__ import annotations

from typing import Any

from commands.kpi.registry import load_registry
from commands.kpi.spikes import SpikeParams


def spike_params(settings: Any) -> SpikeParams:
    """Return detector thresholds from settings."""
    return SpikeParams(
        z=settings.opsbot_spike_z,
        min_change=settings.opsbot_spike_min_change,
        min_volume=settings.opsbot_spike_min_volume,
        weeks=settings.opsbot_spike_weeks,
        drift_k=settings.opsbot_drift_k,
        drift_h=settings.opsbot_drift_h,
    )


def install(runtime: Any) -> None:
    """Add the KPI registry, the digest source and (when configured) the HTTP pull loop."""
    from commands.kpi.digest import KpiDigestSource
    from commands.kpi.pull import PullLoop
    from commands.kpi.snapshot_cache import SnapshotCache
    from commands.kpi.why_runner import WhyRunner

    registry = load_registry(runtime.settings.opsbot_metrics_file)
    runtime.kpi_registry = registry
    runtime.kpi_why = WhyRunner(runtime.sessions)
    runtime.kpi_snapshots = SnapshotCache(registry)
    runtime.digest_sources.append(KpiDigestSource(registry))
    if runtime.settings.opsbot_kpi_source_url:
        loop = PullLoop(runtime, registry)
        runtime.on_startup.append(loop.start)
        runtime.on_shutdown.append(loop.stop)
