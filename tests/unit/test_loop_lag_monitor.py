"""The lag monitor's threshold: samples always counted, a warning only past 250 ms."""

from __future__ import annotations

import logging

import pytest

from bot.loop_lag import LoopLagMonitor
from integrations.metrics import OpsMetrics


def test_every_sample_is_counted_and_only_stalls_warn(caplog: pytest.LogCaptureFixture) -> None:
    metrics = OpsMetrics()
    monitor = LoopLagMonitor(metrics.loop_lag)
    caplog.set_level(logging.WARNING, logger="opsbot.loop")
    for lag in (-0.001, 0.0, 0.1, 0.25, 0.251, 1.2):
        monitor.record(lag)
    text = metrics.render().decode()
    assert "opsbot_event_loop_lag_seconds_count 6.0" in text
    assert 'opsbot_event_loop_lag_seconds_bucket{le="0.25"} 4.0' in text
    assert [r.getMessage() for r in caplog.records] == [
        "event loop stalled for 251 ms",
        "event loop stalled for 1200 ms",
    ]
    assert monitor.worst == 1.2
