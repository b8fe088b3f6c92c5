"""How noisy each leaf is: the yardstick a deviation is measured against.

Forecast error is rarely the same for every leaf: counts of a few events swing by tens of
percent while large leaves move by a percent. The noise is therefore estimated per size
band (leaves of similar size share a band) from the leaves closest to their forecast, so up
to about half the leaves may be anomalous without inflating it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# The 10 % quantile of |N(0, 1)|.
_ABS_NORMAL_Q10 = 0.12566
_LEAVES_PER_BAND = 300
_MAX_BANDS = 16
_SAMPLE = 200_000
# Even a perfectly regular series is not known better than this (relative).
_NOISE_FLOOR = 1e-3
# A leaf with fewer expected events than this is given this many for its Poisson floor.
_MIN_EVENTS = 0.5
# From about this many events a count's deviation is close enough to Gaussian for the bands.
_GAUSSIAN_EVENTS = 25.0


def symmetric_deviation(actual: FloatArray, expected: FloatArray) -> FloatArray:
    """Return 2(a-f)/(|a|+|f|): the relative deviation, bounded and defined when f is 0."""
    scale = np.abs(actual) + np.abs(expected)
    # Rows with both values zero carry no evidence either way; callers drop them.
    safe = np.where(scale > 0.0, scale, 1.0)
    return np.where(scale > 0.0, 2.0 * (actual - expected) / safe, 0.0)


def is_count(values: FloatArray) -> bool:
    """Tell whether a measure holds counted events: non-negative whole numbers throughout."""
    return bool(values.size) and bool(np.all((values >= 0) & (values == np.round(values))))


def count_floor(size: FloatArray) -> FloatArray:
    """Return the least spread of a count's symmetric deviation: its Poisson noise.

    A count's variance is at least its expected value, and the expected side is itself
    counted (the period before, a few weeks' median), so for a leaf of about ``size``
    events d = 2(a - f)/(a + f) spreads by at least sqrt(2/size). Counts of one or two
    events swing by their whole size; without this floor the bands (mostly exact zeros
    there) call them noise-free and every 0 -> 1 a cause.
    """
    return np.asarray(np.sqrt(2.0 / np.maximum(size, _MIN_EVENTS)), dtype=np.float64)


def proportion_floor(
    actual: FloatArray, expected: FloatArray, actual_den: FloatArray, expected_den: FloatArray
) -> FloatArray:
    """Return the least spread of a proportion's symmetric deviation (misrouted of cases).

    The numerator is about Poisson with mean p x cases in each period, so the rate's
    relative deviation spreads by sqrt(1/(p a_den) + 1/(p f_den)). The leaf's p is pooled
    over both periods and drawn towards the overall rate, so a leaf with no events yet is
    not taken for one that can have none.
    """
    total = float(actual.sum() + expected.sum())
    overall = total / max(float(actual_den.sum() + expected_den.sum()), 1e-300)
    pooled = (actual + expected + overall) / (actual_den + expected_den + 1.0)
    p = np.maximum(pooled, 1e-12)
    a_events = np.maximum(p * actual_den, 1e-12)
    f_events = np.maximum(p * expected_den, 1e-12)
    return np.asarray(np.sqrt(1.0 / a_events + 1.0 / f_events), dtype=np.float64)


def noise_scale(deviation: FloatArray, *, sigmas: float = 5.0) -> float:
    """Estimate the standard deviation of the normal leaves' relative deviations.

    A first guess from the 10 % quantile of |d| bounds the normal band, and the median
    inside ever tighter bands refines it, so anomalous leaves barely move the estimate.
    """
    size = np.abs(deviation)
    if size.size == 0 or np.count_nonzero(size) * 2 < size.size:
        # Mostly exact: the data is noise-free and any deviation is news.
        return 0.0
    # A minority of exact zeros (a copied leaf, a slice's rate left as it was) says
    # nothing of the spread of the others.
    size = size[size > 0]
    sigma = float(np.quantile(size, 0.1)) / _ABS_NORMAL_Q10
    band_width = sigmas
    for _ in range(4):
        band = size[size <= band_width * sigma]
        if not band.size:
            return 0.0
        sigma = float(np.median(band)) / _abs_normal_median_within(band_width)
        # Once the guess is sound, a tighter band keeps weak anomalies out of it.
        band_width = 3.0
    return sigma


def _abs_normal_median_within(width: float) -> float:
    """Return the median of |z| for z ~ N(0, 1) truncated to |z| <= width."""
    # P(|z| <= m) = erf(m / sqrt 2); solve erf(m / sqrt 2) = erf(width / sqrt 2) / 2.
    target = math.erf(width / math.sqrt(2.0)) / 2.0
    low, high = 0.0, width
    for _ in range(60):
        mid = (low + high) / 2.0
        low, high = (mid, high) if math.erf(mid / math.sqrt(2.0)) < target else (low, mid)
    return (low + high) / 2.0


def leaf_noise(deviation: FloatArray, size: FloatArray) -> FloatArray:
    """Return each leaf's relative noise (std of its symmetric deviation), by size band.

    Bands are quantiles of log size, each with a robust noise estimate. Between band
    centres the noise is interpolated; it is never taken below the fit of
    σ² = α² + β / size through the bands (a relative error plus a count-like term), which
    also carries the noise past the smallest band: the tiniest leaves are the noisiest.
    """
    n = deviation.shape[0]
    if n == 0:
        return np.zeros(0)
    positive = np.maximum(size, 1e-300)
    log_size = np.log(positive)
    # The bands' noise is estimated on an evenly spread sample: 200 k leaves pin it down.
    step = max(1, n // _SAMPLE)
    sample_d, sample_log = deviation[::step], log_size[::step]
    bands = int(min(_MAX_BANDS, max(1, sample_d.size // _LEAVES_PER_BAND)))
    if bands == 1:
        return np.full(n, max(noise_scale(sample_d), _NOISE_FLOOR))
    edges = np.quantile(sample_log, np.linspace(0.0, 1.0, bands + 1))
    band = np.clip(np.searchsorted(edges, sample_log, side="right") - 1, 0, bands - 1)
    order_by_band = np.argsort(band, kind="stable")
    bounds = np.searchsorted(band[order_by_band], np.arange(bands + 1))
    centres = np.full(bands, np.nan)
    sigmas = np.full(bands, np.nan)
    for b in range(bands):
        members = order_by_band[bounds[b] : bounds[b + 1]]
        if members.size >= _LEAVES_PER_BAND // 4:
            centres[b] = float(np.median(sample_log[members]))
            sigmas[b] = noise_scale(sample_d[members])
    known = np.isfinite(sigmas) & (sigmas > 0)
    if not known.any():
        return np.full(n, _NOISE_FLOOR)
    centres, sigmas = centres[known], sigmas[known]
    order = np.argsort(centres)
    centres, sigmas = centres[order], sigmas[order]
    noise = np.interp(log_size, centres, sigmas)
    alpha2, beta = _fit_count_noise(np.exp(centres), sigmas)
    noise = np.maximum(noise, np.sqrt(alpha2 + beta / positive))
    return np.asarray(np.maximum(noise, _NOISE_FLOOR), dtype=np.float64)


def counted_noise(deviation: FloatArray, size: FloatArray, floor: FloatArray) -> FloatArray:
    """Return each counted leaf's noise: its Poisson floor, widened as the data shows.

    Below about ``_GAUSSIAN_EVENTS`` events a deviation takes a few discrete values (0 -> 1
    is +200 %) and the bands' Gaussian estimate is meaningless, so those leaves get the
    Poisson spread, scaled by the over-dispersion σ² = α² + φ/events fitted on the larger
    leaves (φ at least 1), which also keep their band estimate.
    """
    events = 1.0 / np.maximum(floor, 1e-12) ** 2
    large = events >= _GAUSSIAN_EVENTS
    sigma = np.array(floor, dtype=np.float64)
    alpha2, phi = 0.0, 1.0
    if np.count_nonzero(large) >= _LEAVES_PER_BAND // 4:
        sigma[large] = np.maximum(leaf_noise(deviation[large], size[large]), floor[large])
        alpha2, phi = _fit_count_noise(events[large], sigma[large])
    small = ~large
    sigma[small] = np.sqrt(alpha2 + max(phi, 1.0) / events[small])
    return sigma


def _fit_count_noise(sizes: FloatArray, sigmas: FloatArray) -> tuple[float, float]:
    """Fit σ² = α² + β/size to the bands (relative least squares, both terms ≥ 0)."""
    target = sigmas**2
    weight = 1.0 / target
    design = np.stack([np.ones_like(sizes), 1.0 / sizes], axis=1) * weight[:, None]
    solution, *_ = np.linalg.lstsq(design, target * weight, rcond=None)
    alpha2, beta = float(solution[0]), float(solution[1])
    if alpha2 >= 0 and beta >= 0:
        return alpha2, beta
    # One term is not there: refit with the other alone.
    only_alpha = float(np.sum(target * weight**2) / np.sum(weight**2))
    inv = weight / sizes
    only_beta = float(np.sum(target * weight * inv) / np.sum(inv * inv))
    err_alpha = float(np.sum((target - only_alpha) ** 2 * weight**2))
    err_beta = float(np.sum((target - only_beta / sizes) ** 2 * weight**2))
    return (only_alpha, 0.0) if err_alpha <= err_beta else (0.0, max(only_beta, 0.0))
