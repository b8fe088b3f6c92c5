"""Spike and drift detection on a daily KPI series. Pure numpy, no I/O.

Baseline: the median of the same weekday over the last ``weeks`` weeks (robust to an
earlier spike). Spike: robust z of the residual (median/MAD × 1.4826 over the preceding
``history_days``) beyond ``z``, a relative change beyond ``min_change`` and enough volume.
Drift: a two-sided CUSUM on those z scores, flagged when it crosses ``drift_h`` (once per
episode), for slow creep that never makes one day stand out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Kind = Literal["spike", "drift"]
_MAD_SCALE = 1.4826
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class SpikeParams:
    """Detector thresholds (settings OPSBOT_SPIKE_* and OPSBOT_DRIFT_*)."""

    z: float = 3.5
    min_change: float = 0.2
    min_volume: float = 50.0
    weeks: int = 6
    history_days: int = 56
    drift_k: float = 0.5
    drift_h: float = 8.0


@dataclass(frozen=True)
class Finding:
    """One flagged day: what was expected, what came, how unusual."""

    day: date
    kind: Kind
    expected: float
    actual: float
    z: float

    @property
    def change(self) -> float:
        """Return the relative change against the expectation."""
        return (self.actual - self.expected) / self.expected if self.expected else float("inf")

    @property
    def weekday(self) -> str:
        """Return the day's weekday name."""
        return _WEEKDAYS[self.day.weekday()]


def seasonal_baseline(values: FloatArray, weeks: int) -> FloatArray:
    """Return, per day, the median of the same weekday over the previous `weeks` weeks."""
    n = values.shape[0]
    lagged = np.full((weeks, n), np.nan)
    for k in range(1, weeks + 1):
        lagged[k - 1, 7 * k :] = values[: n - 7 * k] if n > 7 * k else lagged[k - 1, 7 * k :]
    enough = np.sum(~np.isnan(lagged), axis=0) >= 2
    baseline = np.full(n, np.nan)
    if enough.any():
        baseline[enough] = np.nanmedian(lagged[:, enough], axis=0)
    return baseline


def _no_nan(value: float) -> float:
    """Return 0 for a missing value (a day without cases has no volume)."""
    return 0.0 if math.isnan(value) else value


def robust_z(residuals: FloatArray, baseline: FloatArray, history_days: int) -> FloatArray:
    """Return each residual's robust z against the residuals of the preceding days.

    Day t is scored against the non-missing residuals of days t-history_days … t-1 (at least
    14 of them): their median and MAD, all days at once over a sliding window.
    """
    n = residuals.shape[0]
    z = np.full(n, np.nan)
    if n == 0 or history_days < 14:
        return z
    padded = np.concatenate([np.full(history_days, np.nan), residuals])
    windows = sliding_window_view(padded, history_days)[:n]  # row t: days t-h … t-1
    scored = ~np.isnan(residuals) & (np.count_nonzero(~np.isnan(windows), axis=1) >= 14)
    if not scored.any():
        return z
    history = windows[scored]
    median = np.nanmedian(history, axis=1)
    mad = np.nanmedian(np.abs(history - median[:, None]), axis=1)
    # A perfectly regular series has MAD 0; half a percent of the level keeps z finite.
    scale = np.maximum(np.maximum(_MAD_SCALE * mad, 0.005 * np.abs(baseline[scored])), 1e-9)
    z[scored] = (residuals[scored] - median) / scale
    return z


def detect(
    days: Sequence[date],
    values: Sequence[float] | FloatArray,
    *,
    params: SpikeParams,
    volume: Sequence[float] | FloatArray | None = None,
    since: date | None = None,
) -> list[Finding]:
    """Return spikes and drifts on `days` (consecutive; NaN = no data) from `since` on.

    `volume` is the denominator of a ratio KPI (a ratio needs enough cases behind it);
    without it the absolute change itself must reach ``min_volume``.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.shape[0] != len(days):
        raise ValueError("one value per day is needed")
    weights = None if volume is None else np.asarray(volume, dtype=np.float64)
    baseline = seasonal_baseline(series, params.weeks)
    residuals = series - baseline
    z = robust_z(residuals, baseline, params.history_days)
    findings: list[Finding] = []
    up = down = 0.0
    alarmed = False
    for t, day in enumerate(days):
        if np.isnan(z[t]):
            continue
        expected, actual, score = float(baseline[t]), float(series[t]), float(z[t])
        change = abs(actual - expected) / abs(expected) if expected else float("inf")
        enough = (
            abs(actual - expected) >= params.min_volume
            if weights is None
            else _no_nan(float(weights[t])) >= params.min_volume
        )
        reportable = since is None or day >= since
        if abs(score) >= params.z and change >= params.min_change and enough and reportable:
            findings.append(Finding(day, "spike", expected, actual, score))
        # Spikes are outliers, not level shifts: clip them out of the drift statistic.
        step = float(np.clip(score, -params.z, params.z))
        up = max(0.0, up + step - params.drift_k)
        down = max(0.0, down - step - params.drift_k)
        if max(up, down) > params.drift_h and not alarmed:
            # An episode that began before `since` was already reported (or is history).
            if not reportable:
                alarmed = True
            elif enough and change >= params.min_change / 4:
                findings.append(Finding(day, "drift", expected, actual, up if up > down else -down))
                alarmed = True
        elif up == 0.0 and down == 0.0:
            alarmed = False
    return findings
