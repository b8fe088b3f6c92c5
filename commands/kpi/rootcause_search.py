"""The cuboid search behind root-cause localisation: greedy, by evidence gained per element.

Model: inside a root-cause element every leaf's symmetric deviation d is about one shared
value m (the generalised ripple effect); outside, d is noise with the leaf's own spread σ.
Fitting m to an element's leaves by weighted least squares lowers the leaves' χ² by

    gain = (Σ d/σ²)² / Σ 1/σ²,

so an element is scored from two sums per leaf, and every element of a cuboid at once
with two ``bincount`` calls. An ancestor of a true element is diluted by its normal leaves
and a descendant holds only part of the evidence, so the true element scores highest.
Each pick must beat a penalty that grows with the number of elements that could have been
picked at its layer (a Bonferroni-style bar: pure noise yields nothing); its leaves are then
removed from every cuboid's sums, and the search goes on with what is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

# Above this many cells a cuboid's keys are compacted with np.unique instead of bincount.
_DENSE_KEY_LIMIT = 1 << 23
_MAX_CAUSES = 12


@dataclass(frozen=True, eq=False)
class Element:
    """A dimension-value combination the search picked, with the rows it explained."""

    dims: tuple[int, ...]
    codes: tuple[int, ...]
    rows: IntArray
    gain: float


@dataclass(frozen=True, eq=False)
class SearchResult:
    """Picked elements, and how well one even shift explains what each pick left over."""

    elements: list[Element]
    rest_gain: list[float]  # rest_gain[j]: gain of one shift over the rows left after j picks
    penalties: dict[int, float] = field(default_factory=dict)


@dataclass(eq=False)
class _Cuboid:
    dims: tuple[int, ...]
    size: int
    p: FloatArray  # (measures, size): Σ d/σ² per element
    q: FloatArray  # (measures, size): Σ 1/σ² per element
    stored_key: NDArray[np.int32] | None  # only for compacted cuboids


def penalty(layer_sizes: dict[int, int], layer: int, base: float) -> float:
    """Return the gain an element of ``layer`` must exceed: 2 ln(#candidates) + base."""
    return 2.0 * math.log(max(layer_sizes.get(layer, 1), 1)) + base


def greedy_search(
    codes: NDArray[np.int32],
    cards: tuple[int, ...],
    p_leaf: FloatArray,
    q_leaf: FloatArray,
    *,
    base_penalty: float,
    min_deviation: float,
    max_layer: int | None = None,
) -> SearchResult:
    """Pick elements greedily by penalised gain; ``p_leaf``/``q_leaf`` are (measures, rows)."""
    n_rows, n_dims = codes.shape
    depth = n_dims if max_layer is None else min(max_layer, n_dims)
    wide = codes.astype(np.int64)
    cuboids = _build(wide, cards, p_leaf, q_leaf, depth)
    layer_sizes: dict[int, int] = {}
    for c in cuboids:
        layer_sizes[len(c.dims)] = layer_sizes.get(len(c.dims), 0) + c.size
    penalties = {layer: penalty(layer_sizes, layer, base_penalty) for layer in layer_sizes}
    alive = np.ones(n_rows, dtype=np.bool_)
    rest_p, rest_q = p_leaf.sum(axis=1), q_leaf.sum(axis=1)
    elements: list[Element] = []
    rest_gain = [_gain(rest_p, rest_q)]
    while len(elements) < _MAX_CAUSES:
        best = _best(cuboids, penalties, min_deviation)
        if best is None:
            break
        cuboid, key, gain = best
        rows = np.flatnonzero(alive & (_keys(wide, cards, cuboid, None) == key))
        if not rows.size:
            break
        alive[rows] = False
        for c in cuboids:
            k = _keys(wide[rows], cards, c, rows)
            c.p -= np.stack([np.bincount(k, m[rows], c.size) for m in p_leaf])
            c.q -= np.stack([np.bincount(k, m[rows], c.size) for m in q_leaf])
        rest_p = rest_p - p_leaf[:, rows].sum(axis=1)
        rest_q = rest_q - q_leaf[:, rows].sum(axis=1)
        values = tuple(int(v) for v in codes[rows[0], list(cuboid.dims)])
        elements.append(Element(cuboid.dims, values, rows, gain))
        rest_gain.append(_gain(rest_p, rest_q))
    return SearchResult(elements, rest_gain, penalties)


def _gain(p: FloatArray, q: FloatArray) -> float:
    safe = np.where(q > 0, q, 1.0)
    return float(np.sum(np.where(q > 0, p * p / safe, 0.0)))


def _best(
    cuboids: list[_Cuboid], penalties: dict[int, float], min_deviation: float
) -> tuple[_Cuboid, int, float] | None:
    """Return the cuboid, key and gain of the element with the best penalised gain."""
    best: tuple[_Cuboid, int, float] | None = None
    best_score = 0.0
    for c in cuboids:
        # Sums shrink by subtraction; what float error leaves behind is not an element.
        q_total = c.q.sum(axis=0)
        live = q_total > 1e-9 * max(float(q_total.max(initial=0.0)), 1e-300)
        safe = np.where(c.q > 0, c.q, 1.0)
        gains = np.where(c.q > 0, c.p * c.p / safe, 0.0)
        shift = np.max(np.abs(np.where(c.q > 0, c.p / safe, 0.0)), axis=0)
        total = np.where(live & (shift >= min_deviation), gains.sum(axis=0), 0.0)
        key = int(np.argmax(total))
        score = float(total[key]) - penalties[len(c.dims)]
        if score > best_score:
            best_score, best = score, (c, key, float(total[key]))
    return best


def _build(
    codes: IntArray, cards: tuple[int, ...], p_leaf: FloatArray, q_leaf: FloatArray, depth: int
) -> list[_Cuboid]:
    """Sum every cuboid's elements, reusing each parent's key (depth-first over subsets)."""
    n_dims = codes.shape[1]
    out: list[_Cuboid] = []

    def visit(dims: tuple[int, ...], key: IntArray, size: int, compacted: bool) -> None:
        p = np.stack([np.bincount(key, m, size) for m in p_leaf]).astype(np.float64)
        q = np.stack([np.bincount(key, m, size) for m in q_leaf]).astype(np.float64)
        stored = key.astype(np.int32) if compacted else None
        out.append(_Cuboid(dims, size, p, q, stored))
        if len(dims) == depth:
            return
        for d in range(dims[-1] + 1, n_dims):
            child, child_size, child_compacted = (
                key * cards[d] + codes[:, d],
                size * cards[d],
                compacted,
            )
            if child_size > _DENSE_KEY_LIMIT:
                uniques, inverse = np.unique(child, return_inverse=True)
                child, child_size, child_compacted = inverse.reshape(-1), int(uniques.size), True
            visit((*dims, d), child, child_size, child_compacted)

    for d in range(n_dims):
        visit((d,), codes[:, d].copy(), cards[d], False)
    return out


def _keys(
    codes: IntArray, cards: tuple[int, ...], cuboid: _Cuboid, rows: IntArray | None
) -> IntArray:
    """Return the cuboid's key for each given row (all rows when ``rows`` is None)."""
    if cuboid.stored_key is not None:
        stored = cuboid.stored_key if rows is None else cuboid.stored_key[rows]
        return stored.astype(np.int64)
    key = codes[:, cuboid.dims[0]].copy()
    for d in cuboid.dims[1:]:
        key = key * cards[d] + codes[:, d]
    return key
