"""The spike/drift detector on synthetic series: planted spikes found, seasonality not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from commands.kpi.spikes import SpikeParams, detect

START = date(2026, 6, 1)  # a Monday
WEEKLY = np.array([1.2, 1.1, 1.05, 1.0, 0.95, 0.5, 0.45])


def _series(days: int, seed: int = 1, level: float = 1000.0) -> tuple[list[date], np.ndarray]:
    rng = np.random.default_rng(seed)
    calendar = [START + timedelta(days=i) for i in range(days)]
    values = rng.poisson(level * WEEKLY[np.arange(days) % 7]).astype(float)
    return calendar, values


def test_plain_weekly_seasonality_is_not_flagged() -> None:
    for seed in range(5):
        days, values = _series(120, seed)
        assert detect(days, values, params=SpikeParams()) == []


def test_planted_spike_is_found_and_explained() -> None:
    days, values = _series(120)
    values[100] *= 1.6
    (finding,) = detect(days, values, params=SpikeParams())
    assert finding.day == days[100]
    assert finding.kind == "spike"
    assert finding.weekday == days[100].strftime("%A")
    assert 0.5 < finding.change < 0.7
    assert finding.z >= 3.5
    assert abs(finding.expected - 1000 * WEEKLY[100 % 7]) < 60


def test_small_relative_or_absolute_changes_are_not_spikes() -> None:
    days, values = _series(120, level=10_000)
    values[100] *= 1.1  # z is huge on a smooth series, but +10% < 20%
    assert detect(days, values, params=SpikeParams()) == []
    days, values = _series(120, level=20)
    values[100] += 30  # +100%, but fewer than 50 cases
    assert [f for f in detect(days, values, params=SpikeParams()) if f.kind == "spike"] == []


def test_drop_is_a_spike_too() -> None:
    days, values = _series(120)
    values[110] *= 0.5
    (finding,) = detect(days, values, params=SpikeParams())
    assert finding.day == days[110] and finding.z < -3.5


def test_slow_creep_is_found_as_drift_once() -> None:
    rng = np.random.default_rng(3)
    days = [START + timedelta(days=i) for i in range(120)]
    aht = 500 * rng.lognormal(0, 0.02, 120)
    aht[-21:] *= 1 + 0.01 * np.arange(1, 22)
    handled = np.full(120, 800.0)
    findings = detect(days, aht, params=SpikeParams(), volume=handled)
    drifts = [f for f in findings if f.kind == "drift"]
    assert len(drifts) == 1
    assert days[-21] < drifts[0].day <= days[-5]
    assert drifts[0].actual > drifts[0].expected


def test_since_limits_what_is_reported() -> None:
    days, values = _series(120)
    values[60] *= 1.8
    values[100] *= 1.8
    found = detect(days, values, params=SpikeParams(), since=days[90])
    assert [f.day for f in found] == [days[100]]
