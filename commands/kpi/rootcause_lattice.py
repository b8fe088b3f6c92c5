"""Per-element sums of every cuboid, kept either as a dense lattice or as sparse keys.

Both keep, for every element of every cuboid, Σ d/σ² (``p``) and Σ 1/σ² (``q``) per
measure, find the element with the best penalised gain, and forget an element's leaves.

Dense: when the product of the dimensions' cardinalities is not much more than the number
of leaves (a warehouse export, a generated cube), leaves are scattered once into an array
of that shape; each cuboid is then its smallest parent summed over one axis, and dropping
an element is zeroing a slab. That is a few passes over memory instead of a ``bincount`` of
every leaf per cuboid, and it is what keeps 2.4 M leaves within a second or two.
Sparse: otherwise each cuboid's keys are mixed-radix codes (compacted with np.unique when
they would not fit) and its sums are ``bincount``s, updated by subtraction.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Pick = tuple[tuple[int, ...], tuple[int, ...], float]

# Dense when the full grid has at most this many cells per leaf (and in all at most the cap).
_DENSE_CELLS_PER_LEAF = 4
_DENSE_CELL_CAP = 1 << 26
# Above this many cells a sparse cuboid's keys are compacted with np.unique.
_KEY_LIMIT = 1 << 23


def dense_fits(cards: tuple[int, ...], n_rows: int) -> bool:
    """Tell whether the dense lattice is the cheaper representation."""
    cells = math.prod(cards)
    return cells <= _DENSE_CELL_CAP and cells <= max(_DENSE_CELLS_PER_LEAF * n_rows, 1 << 16)


def _best_in(
    p: FloatArray, q: FloatArray, threshold: float, min_deviation: float
) -> tuple[int, float] | None:
    """Return (flat index, gain) of the best element of one cuboid's (measures, size) sums."""
    positive = q > 0
    safe = np.where(positive, q, 1.0)
    ratio = np.where(positive, p / safe, 0.0)
    gains = (p * ratio).sum(axis=0)
    shift = np.abs(ratio).max(axis=0)
    gains = np.where(shift >= min_deviation, gains, 0.0)
    index = int(np.argmax(gains))
    gain = float(gains[index])
    return (index, gain) if gain > threshold else None


class DenseLattice:
    """All cuboids' sums as arrays shaped like their dimensions' cardinalities."""

    def __init__(
        self,
        codes: NDArray[np.int32],
        cards: tuple[int, ...],
        p_leaf: FloatArray,
        q_leaf: FloatArray,
    ) -> None:
        self.cards = cards
        self.n_dims = len(cards)
        flat = np.ravel_multi_index(tuple(codes.T), cards)
        cells = math.prod(cards)
        measures = p_leaf.shape[0]
        full_p = np.empty((measures, cells))
        full_q = np.empty((measures, cells))
        for m in range(measures):
            full_p[m] = np.bincount(flat, p_leaf[m], cells)
            full_q[m] = np.bincount(flat, q_leaf[m], cells)
        full = tuple(range(self.n_dims))
        self.sums = _lattice(
            full, full_p.reshape((measures, *cards)), full_q.reshape((measures, *cards)), cards
        )
        self.cuboids = [c for c in self.sums if c]
        # Cached per-element gains, refreshed only where a removal changed the sums.
        self.gains: dict[tuple[int, ...], FloatArray] = {}
        self.min_deviation: float | None = None

    def layer_sizes(self) -> dict[int, int]:
        """Return how many elements each layer has."""
        sizes: dict[int, int] = {}
        for c in self.cuboids:
            sizes[len(c)] = sizes.get(len(c), 0) + math.prod(self.cards[d] for d in c)
        return sizes

    def best(self, penalties: dict[int, float], min_deviation: float) -> Pick | None:
        """Return the element with the best gain over its layer's penalty."""
        if self.min_deviation != min_deviation:
            self.min_deviation = min_deviation
            for cuboid in self.cuboids:
                p, q = self.sums[cuboid]
                self.gains[cuboid] = _gains(p, q, min_deviation)
        best: Pick | None = None
        best_score = 0.0
        for cuboid in self.cuboids:
            gains = self.gains[cuboid]
            index = int(np.argmax(gains))
            gain = float(gains.flat[index])
            score = gain - penalties[len(cuboid)]
            if score > best_score:
                values = np.unravel_index(index, gains.shape)
                best_score, best = score, (cuboid, tuple(int(v) for v in values), gain)
        return best

    def remove(self, dims: tuple[int, ...], codes: tuple[int, ...], rows: IntArray) -> None:
        """Subtract the element's slab from every cuboid and refresh the gains it touched."""
        full = tuple(range(self.n_dims))
        fixed = dict(zip(dims, codes, strict=True))
        free = tuple(d for d in full if d not in fixed)
        p_full, q_full = self.sums[full]
        index = (slice(None), *(fixed.get(d, slice(None)) for d in full))
        slab = _lattice(free, p_full[index].copy(), q_full[index].copy(), self.cards)
        for cuboid in self.cuboids:
            part_p, part_q = slab[tuple(d for d in cuboid if d not in fixed)]
            where = (slice(None), *(fixed.get(d, slice(None)) for d in cuboid))
            p, q = self.sums[cuboid]
            p[where] -= part_p
            q[where] -= part_q
            if self.min_deviation is not None:
                region = tuple(fixed.get(d, slice(None)) for d in cuboid)
                target = self.gains[cuboid][region]
                measures = p.shape[0]
                fresh = _gains(
                    p[where].reshape(measures, -1),
                    q[where].reshape(measures, -1),
                    self.min_deviation,
                )
                self.gains[cuboid][region] = fresh.reshape(np.shape(target))


def _lattice(
    dims: tuple[int, ...], p: FloatArray, q: FloatArray, cards: tuple[int, ...]
) -> dict[tuple[int, ...], tuple[FloatArray, FloatArray]]:
    """Return sums for every subset of ``dims``, each from its smallest parent by one axis."""
    sums = {dims: (p, q)}
    for layer in range(len(dims) - 1, -1, -1):
        for cuboid in combinations(dims, layer):
            parents = [tuple(sorted((*cuboid, d))) for d in dims if d not in cuboid]
            parent = min(parents, key=lambda c: math.prod(cards[d] for d in c))
            (extra,) = set(parent) - set(cuboid)
            axis = 1 + parent.index(extra)
            parent_p, parent_q = sums[parent]
            sums[cuboid] = (parent_p.sum(axis=axis), parent_q.sum(axis=axis))
    return sums


def _gains(p: FloatArray, q: FloatArray, min_deviation: float) -> FloatArray:
    """Return each element's gain Σ_m p²/q (0 where its shift is below ``min_deviation``)."""
    # Emptied elements (q = 0, or float residue of a subtraction) give nan or tiny gains:
    # nan fails the shift test and a residue's gain is far below any penalty.
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p / q
    if p.shape[0] == 1:
        keep = np.abs(ratio[0]) >= min_deviation
        gains = np.multiply(p[0], ratio[0], out=ratio[0])
    else:
        ratio = np.where(q > 1e-9, ratio, 0.0)
        keep = np.abs(ratio).max(axis=0) >= min_deviation
        gains = (p * ratio).sum(axis=0)
    return np.asarray(np.where(keep & (q.sum(axis=0) > 1e-9), gains, 0.0), dtype=np.float64)


class SparseCuboids:
    """All cuboids' sums as bincounts over mixed-radix (or compacted) keys."""

    def __init__(
        self,
        codes: NDArray[np.int32],
        cards: tuple[int, ...],
        p_leaf: FloatArray,
        q_leaf: FloatArray,
    ) -> None:
        self.codes = codes.astype(np.int64)
        self.cards = cards
        self.p_leaf, self.q_leaf = p_leaf, q_leaf
        self.entries: list[tuple[tuple[int, ...], int, FloatArray, FloatArray, IntArray | None]]
        self.entries = []
        n_dims = len(cards)

        def visit(dims: tuple[int, ...], key: IntArray, size: int, compacted: bool) -> None:
            p = np.stack([np.bincount(key, m, size) for m in p_leaf]).astype(np.float64)
            q = np.stack([np.bincount(key, m, size) for m in q_leaf]).astype(np.float64)
            self.entries.append((dims, size, p, q, key if compacted else None))
            for d in range(dims[-1] + 1, n_dims):
                child, child_size, child_compacted = (
                    key * cards[d] + self.codes[:, d],
                    size * cards[d],
                    compacted,
                )
                if child_size > _KEY_LIMIT:
                    uniques, inverse = np.unique(child, return_inverse=True)
                    child, child_size, child_compacted = (
                        inverse.reshape(-1),
                        int(uniques.size),
                        True,
                    )
                visit((*dims, d), child, child_size, child_compacted)

        for d in range(n_dims):
            visit((d,), self.codes[:, d].copy(), cards[d], False)

    def layer_sizes(self) -> dict[int, int]:
        """Return how many elements each layer has."""
        sizes: dict[int, int] = {}
        for dims, size, *_ in self.entries:
            sizes[len(dims)] = sizes.get(len(dims), 0) + size
        return sizes

    def _keys(self, entry: int, rows: IntArray | None) -> IntArray:
        dims, _, _, _, stored = self.entries[entry]
        if stored is not None:
            return stored if rows is None else stored[rows]
        codes = self.codes if rows is None else self.codes[rows]
        key = codes[:, dims[0]].copy()
        for d in dims[1:]:
            key = key * self.cards[d] + codes[:, d]
        return key

    def best(self, penalties: dict[int, float], min_deviation: float) -> Pick | None:
        """Return the element with the best gain over its layer's penalty."""
        best: tuple[int, int, float] | None = None
        best_score = 0.0
        for entry, (dims, _, p, q, _) in enumerate(self.entries):
            # Sums shrink by subtraction; what float error leaves behind is not an element.
            live = q.sum(axis=0) > 1e-9 * max(float(q.sum(axis=0).max(initial=0.0)), 1e-300)
            found = _best_in(p * live, q * live, penalties[len(dims)], min_deviation)
            if found is not None and found[1] - penalties[len(dims)] > best_score:
                best_score, best = found[1] - penalties[len(dims)], (entry, found[0], found[1])
        if best is None:
            return None
        entry, key, gain = best
        dims = self.entries[entry][0]
        row = int(np.flatnonzero(self._keys(entry, None) == key)[0])
        return dims, tuple(int(self.codes[row, d]) for d in dims), gain

    def remove(self, dims: tuple[int, ...], codes: tuple[int, ...], rows: IntArray) -> None:
        """Subtract the element's (still counted) leaves from every cuboid's sums."""
        for entry, (_, size, p, q, _) in enumerate(self.entries):
            k = self._keys(entry, rows)
            p -= np.stack([np.bincount(k, m[rows], size) for m in self.p_leaf])
            q -= np.stack([np.bincount(k, m[rows], size) for m in self.q_leaf])
