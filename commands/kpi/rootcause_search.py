"""Leaf partitioning and the layer-wise cuboid search behind root-cause localisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

# The 10 % quantile of |N(0, 1)|.
_ABS_NORMAL_Q10 = 0.12566
# Above this many cells a cuboid's keys are compacted with np.unique instead of bincount.
_DENSE_KEY_LIMIT = 1 << 22


@dataclass(frozen=True, eq=False)
class Element:
    """A dimension-value combination found by the search, with the anomalous rows it covers."""

    dims: tuple[int, ...]
    codes: tuple[int, ...]
    rows: IntArray


def symmetric_deviation(actual: FloatArray, expected: FloatArray) -> FloatArray:
    """Return 2(a-f)/(|a|+|f|): the relative deviation, bounded and defined when f is 0."""
    scale = np.abs(actual) + np.abs(expected)
    # Rows with both values zero carry no evidence either way; callers drop them.
    safe = np.where(scale > 0.0, scale, 1.0)
    return np.where(scale > 0.0, 2.0 * (actual - expected) / safe, 0.0)


def noise_scale(deviation: FloatArray, *, sigmas: float) -> float:
    """Estimate the standard deviation of the normal leaves' relative deviations.

    The noise scale comes from the leaves closest to zero, so up to about half of the
    leaves may be anomalous without inflating it: a first guess from the 10 % quantile
    of |d| bounds the normal band, and the median inside ever tighter bands refines it.
    """
    size = np.abs(deviation)
    if size.size == 0:
        return 0.0
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


def layered_search(
    codes: NDArray[np.int32],
    cards: tuple[int, ...],
    anomalous: BoolArray,
    counted: BoolArray,
    *,
    purity: float,
) -> list[Element]:
    """Cover the anomalous rows with the shallowest elements that hold few normal rows.

    Depth by depth, every cuboid's elements are scored by how many anomalous rows they
    contain; an element qualifies when at least ``purity`` of its rows are anomalous and
    it covers rows no shallower element explained. Ancestors that would swallow normal
    rows therefore lose, and children of a qualifying element are never reached.
    Rows outside ``counted`` (deviations too small to call, too large to ignore) count
    neither for nor against an element.
    """
    n_rows, n_dims = codes.shape
    anomalous_rows = np.flatnonzero(anomalous).astype(np.int64)
    unexplained = anomalous.copy()
    wide = codes.astype(np.int64)
    chosen: list[Element] = []
    for depth in range(1, n_dims + 1):
        if not unexplained.any():
            break
        candidates: list[tuple[int, float, int, int]] = []
        cuboids = list(combinations(range(n_dims), depth))
        keys: list[IntArray] = []
        for index, cuboid in enumerate(cuboids):
            key, size = _cuboid_key(wide, cards, cuboid)
            keys.append(key)
            total = np.bincount(key[counted], minlength=size)
            hits = np.bincount(key[anomalous], minlength=size)
            fresh = np.bincount(key[unexplained], minlength=size)
            qualifying = np.flatnonzero((fresh > 0) & (hits >= purity * total))
            share = hits[qualifying] / total[qualifying]
            candidates.extend(
                (-int(f), -float(s), index, int(k))
                for f, s, k in zip(fresh[qualifying], share, qualifying, strict=True)
            )
        # Most newly explained rows first, then the purest; index and key keep ties stable.
        candidates.sort()
        lookups: dict[int, tuple[IntArray, IntArray]] = {}
        for _, _, index, key_value in candidates:
            if index not in lookups:
                # Sorted once per cuboid so thousands of small candidates stay cheap.
                anomalous_keys = keys[index][anomalous_rows]
                order = np.argsort(anomalous_keys, kind="stable")
                lookups[index] = (anomalous_keys[order], anomalous_rows[order])
            sorted_keys, sorted_rows = lookups[index]
            start, stop = np.searchsorted(sorted_keys, [key_value, key_value + 1])
            rows = sorted_rows[start:stop]
            if not unexplained[rows].any():
                continue
            unexplained[rows] = False
            cuboid = cuboids[index]
            values = tuple(int(c) for c in codes[rows[0], list(cuboid)])
            chosen.append(Element(dims=cuboid, codes=values, rows=rows))
    return _drop_redundant(chosen, n_rows)


def _cuboid_key(
    codes: IntArray, cards: tuple[int, ...], cuboid: tuple[int, ...]
) -> tuple[IntArray, int]:
    """Return a dense integer key per row for the cuboid, and the number of key values."""
    key = codes[:, cuboid[0]].copy()
    size = cards[cuboid[0]]
    for dim in cuboid[1:]:
        if size * cards[dim] > _DENSE_KEY_LIMIT:
            # Mixed-radix keys would overflow or waste memory: renumber the observed ones.
            uniques, inverse = np.unique(key, return_inverse=True)
            key, size = inverse.reshape(-1).astype(np.int64), int(uniques.size)
        key = key * cards[dim] + codes[:, dim]
        size *= cards[dim]
    if size > _DENSE_KEY_LIMIT:
        uniques, inverse = np.unique(key, return_inverse=True)
        key, size = inverse.reshape(-1).astype(np.int64), int(uniques.size)
    return key, size


def _drop_redundant(chosen: list[Element], n_rows: int) -> list[Element]:
    """Drop elements whose anomalous rows are all covered by the other elements."""
    if len(chosen) < 2:
        return chosen
    coverage = np.zeros(n_rows, dtype=np.int64)
    for element in chosen:
        coverage[element.rows] += 1
    kept: list[Element] = []
    # Deepest (latest) first: a late element that adds nothing is the one to lose.
    for element in reversed(chosen):
        if element.rows.size and coverage[element.rows].min() >= 2:
            coverage[element.rows] -= 1
            continue
        kept.append(element)
    kept.reverse()
    return kept
