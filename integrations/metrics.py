"""Prometheus metrics, one registry per running app (tests build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class OpsMetrics:
    """The counters and histograms `/metrics` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "opsbot_requests",
            "Slack requests handled, by command or interaction and outcome.",
            ["name", "outcome"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "opsbot_ack_latency_seconds",
            "Time from receiving a Slack request to its acknowledgement.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
            registry=self.registry,
        )
        self.outbound = Counter(
            "opsbot_outbound_calls",
            "Calls to Slack and the issue tracker, by system, method and status.",
            ["system", "method", "status"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "opsbot_event_loop_lag_seconds",
            "How late the event loop woke a timer: time every request waited behind blocking work.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.jobs = Counter(
            "opsbot_jobs",
            "Background and scheduled jobs, by job name and outcome.",
            ["job", "outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
