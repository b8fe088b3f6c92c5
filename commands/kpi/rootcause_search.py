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

from commands.kpi.rootcause_lattice import DenseLattice, SparseCuboids, dense_fits

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

_MAX_PICKS = 20
# Lone-leaf picks are tested against an exponential fit to this many most extreme leaves.
_TAIL_LEAVES = 50
_TAIL_CHANCE = 0.05


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
) -> SearchResult:
    """Pick elements greedily by penalised gain; ``p_leaf``/``q_leaf`` are (measures, rows)."""
    n_rows = codes.shape[0]
    sums: DenseLattice | SparseCuboids
    if dense_fits(cards, n_rows):
        sums = DenseLattice(codes, cards, p_leaf, q_leaf)
    else:
        sums = SparseCuboids(codes, cards, p_leaf, q_leaf)
    sizes = sums.layer_sizes()
    penalties = {layer: penalty(sizes, layer, base_penalty) for layer in sizes}
    alive = np.ones(n_rows, dtype=np.bool_)
    rest_p, rest_q = p_leaf.sum(axis=1), q_leaf.sum(axis=1)
    elements: list[Element] = []
    rest_gain = [_gain(rest_p, rest_q)]
    while len(elements) < _MAX_PICKS:
        best = sums.best(penalties, min_deviation)
        if best is None:
            break
        dims, values, gain = best
        match = alive.copy()
        for d, v in zip(dims, values, strict=True):
            match &= codes[:, d] == v
        rows = np.flatnonzero(match)
        if not rows.size:
            break
        sums.remove(dims, values, rows)
        alive[rows] = False
        rest_p = rest_p - p_leaf[:, rows].sum(axis=1)
        rest_q = rest_q - q_leaf[:, rows].sum(axis=1)
        elements.append(Element(dims, values, rows, gain))
        rest_gain.append(_gain(rest_p, rest_q))
    return SearchResult(_stand_out(elements, alive, p_leaf, q_leaf), rest_gain, penalties)


def _stand_out(
    elements: list[Element], alive: BoolArray, p_leaf: FloatArray, q_leaf: FloatArray
) -> list[Element]:
    """Drop one- or two-leaf picks that the noise's own tail would produce by chance.

    Noise is rarely Gaussian far out (a forecast clipped at zero, a skewed error), and
    among millions of leaves a few lone leaves are extreme. An exponential tail is fitted
    to the most extreme leaves left unexplained; a lone leaf is a cause only when fewer than
    ``_TAIL_CHANCE`` leaves as extreme are expected from that tail.
    """
    safe = np.where(q_leaf > 0, q_leaf, 1.0)
    z = np.sqrt(np.where(q_leaf > 0, p_leaf * p_leaf / safe, 0.0).sum(axis=0))
    left = z[alive]
    if left.size < _TAIL_LEAVES:
        return elements
    top = max(_TAIL_LEAVES, left.size // 1000)
    tail = np.partition(left, left.size - top)[left.size - top :]
    start = float(tail.min())
    scale = max(float(tail.mean()) - start, 1e-9)
    kept = []
    for el in elements:
        if el.rows.size <= 2:
            strength = math.sqrt(el.gain / el.rows.size)
            if top * math.exp(-(strength - start) / scale) >= _TAIL_CHANCE:
                continue
        kept.append(el)
    return kept


def _gain(p: FloatArray, q: FloatArray) -> float:
    safe = np.where(q > 0, q, 1.0)
    return float(np.sum(np.where(q > 0, p * p / safe, 0.0)))
