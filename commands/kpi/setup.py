"""Wire the KPI feature into a runtime: registry service, digest section, scheduled pull."""

from __future__ import annotations

from typing import Any

from commands.kpi.config import KpiConfig
from commands.kpi.digest import KpiDigestSource
from commands.kpi.pull import PullLoop
from commands.kpi.registry import load_registry
from commands.kpi.snapshot_cache import SnapshotCache


def install(runtime: Any) -> None:
    """Add the KPI registry, digest source and (when configured) the HTTP pull loop."""
    config: KpiConfig = runtime.kpi_config
    registry = load_registry(config.metrics_file)
    runtime.kpi_registry = registry
    runtime.kpi_snapshots = SnapshotCache(registry)
    runtime.digest_sources.append(KpiDigestSource(registry))
    # Put on the scheduler by bot/runtime.py when this process runs one; a process without
    # one (OPSBOT_SCHEDULER=off) leaves the pull to the one that has it.
    runtime.kpi_pull = None
    if config.source_url:
        runtime.kpi_pull = PullLoop(runtime, registry)
        runtime.recurring_work.append(runtime.kpi_pull.recurring())
