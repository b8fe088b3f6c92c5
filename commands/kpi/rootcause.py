"""Root-cause localisation: which dimension-value combinations explain a KPI deviation.

Pure numpy; no Slack, database or I/O. See ``localise``; the search itself is in
rootcause_search.py and each leaf's noise yardstick in rootcause_noise.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from time import perf_counter

import numpy as np
from numpy.typing import NDArray

from commands.kpi.rootcause_describe import (
    CheckedSlice,
    RootCause,
    describe,
    explained_share,
    names,
    ratio_terms,
    ratio_totals,
    safe_div,
)
from commands.kpi.rootcause_noise import (
    FloatArray,
    count_floor,
    counted_noise,
    is_count,
    leaf_noise,
    proportion_floor,
    symmetric_deviation,
)
from commands.kpi.rootcause_search import Element, SearchResult, greedy_search
from commands.kpi.rootcause_table import LeafTable, take_rows

__all__ = ["Localisation", "localise"]

_CHECKED = 5


@dataclass(frozen=True)
class Localisation:
    """Ranked root causes, how much they explain, and how sure the answer is.

    ``confidence`` (0-1) is the share of the deviation beyond what noise alone gives that
    the answer accounts for: 1 when the causes (or, with none, "nothing stands out")
    account for all of it. ``explained`` is the causes' summed share of the KPI's change.
    ``even_rest`` is set when the rest of the data moved evenly (no slice more than the
    others): the share of the change that even move carries. ``checked`` holds, when no
    cause qualified, the largest slices that were looked at and why each did not.
    """

    root_causes: tuple[RootCause, ...]
    elapsed_ms: float
    anomalous_leaves: int
    confidence: float = 1.0
    explained: float = 0.0
    even_rest: float | None = None
    noise_only: bool = True
    checked: tuple[CheckedSlice, ...] = ()


def localise(
    leaves: LeafTable,
    *,
    top_k: int | None = 3,
    min_deviation: float = 0.02,
    base_penalty: float = 24.0,
    sigmas: float = 5.0,
) -> Localisation:
    """Find the fewest dimension-value combinations that explain the deviation.

    ``min_deviation`` is the least relative change a cause must show; ``base_penalty`` the
    evidence (in χ² units) a cause must carry beyond the multiple-testing bar of its layer.
    A leaf counts as anomalous (for ``anomalous_leaves`` only) beyond ``sigmas`` noise spreads.
    """
    if top_k is not None and top_k < 0:
        raise ValueError("top_k must not be negative")
    started = perf_counter()
    parts = _measures(leaves)
    magnitude = sum((np.abs(a) + np.abs(f) for a, f in parts), np.zeros(leaves.n_rows))
    # Leaves that are zero everywhere (common in sparse cubes) say nothing about a cause.
    evidence = np.flatnonzero(magnitude > 1e-12 * float(magnitude.max(initial=0.0)))
    weighted = _weigh(leaves, evidence, sigmas)
    search = SearchResult([], [0.0])
    if leaves.dims and evidence.size:
        search = greedy_search(
            take_rows(leaves.codes, evidence),
            tuple(int(v.size) for v in leaves.values),
            np.stack(weighted.p_rows),
            np.stack(weighted.q_rows),
            base_penalty=base_penalty,
            min_deviation=min_deviation,
        )
    result = _summarise(leaves, search, weighted, base_penalty, min_deviation, top_k)
    return replace(result, elapsed_ms=(perf_counter() - started) * 1000.0)


@dataclass
class _Weighted:
    """Each measure's noise-weighted deviations over the evidence leaves, and their χ²."""

    p_rows: list[FloatArray]
    q_rows: list[FloatArray]
    chi2: float
    anomalous: NDArray[np.bool_]

    @property
    def n_terms(self) -> float:
        return float(sum(np.count_nonzero(q) for q in self.q_rows))


def _weigh(leaves: LeafTable, evidence: NDArray[np.int64], sigmas: float) -> _Weighted:
    out = _Weighted([], [], 0.0, np.zeros(evidence.size, dtype=np.bool_))
    for d, size, present, floor in _deviations(leaves, evidence):
        sigma = np.ones_like(d)
        if present.any():
            if floor.any():
                sigma[present] = counted_noise(d[present], size[present], floor[present])
            else:
                sigma[present] = leaf_noise(d[present], size[present])
        weight = np.where(present, 1.0 / sigma**2, 0.0)
        out.p_rows.append(d * weight)
        out.q_rows.append(weight)
        out.chi2 += float(np.sum(d * d * weight))
        out.anomalous |= present & (np.abs(d) > sigmas * sigma)
    return out


def _summarise(
    leaves: LeafTable,
    search: SearchResult,
    weighted: _Weighted,
    base_penalty: float,
    min_deviation: float,
    top_k: int | None,
) -> Localisation:
    picks, rest = _choose(search, base_penalty)
    total_gain = sum(el.gain for el in picks) or 1.0
    causes = [
        describe(leaves, el.dims, el.codes, el.gain / total_gain, float(np.sqrt(el.gain)))
        for el in picks
    ]
    causes.sort(key=lambda c: (-c.score, c.depth, sorted(c.elements.items())))
    # Deviation beyond what noise gives: χ² over its mean plus three standard deviations.
    n_terms = weighted.n_terms
    excess = max(0.0, weighted.chi2 - n_terms - 3.0 * float(np.sqrt(2.0 * max(n_terms, 1.0))))
    accounted = sum(el.gain for el in picks) + (rest or 0.0)
    confidence = min(1.0, accounted / excess) if excess > 0 else 1.0
    explained = explained_share(
        leaves, [(el.dims, el.codes) for el in picks], [c.share for c in causes]
    )
    even_rest = None
    if rest is not None:
        even_rest = max(0.0, 1.0 - explained) if causes else 1.0
    checked: tuple[CheckedSlice, ...] = ()
    if not causes:
        checked = _checked_slices(leaves, min_deviation, search, rest is not None)
    if top_k is not None:
        causes = causes[:top_k]
    return Localisation(
        root_causes=tuple(causes),
        elapsed_ms=0.0,
        anomalous_leaves=int(weighted.anomalous.sum()),
        confidence=confidence,
        explained=explained,
        even_rest=even_rest,
        noise_only=excess == 0.0 and not causes,
        checked=checked,
    )


def _choose(search: SearchResult, base_penalty: float) -> tuple[list[Element], float | None]:
    """Return the picks to keep and, if the rest moved evenly, that even move's gain.

    After j picks, one even shift of everything left may explain it as well as the later
    picks do (a KPI that moved everywhere is split into slices by a greedy search, each
    significant, none special). Keep the j that explains most for its penalties.
    """
    elements = search.elements
    fits: list[float] = []
    running = 0.0
    for j in range(len(elements) + 1):
        fits.append(running + max(0.0, search.rest_gain[j] - base_penalty))
        if j < len(elements):
            layer = len(elements[j].dims)
            running += elements[j].gain - search.penalties.get(layer, base_penalty)
    best = max(fits)
    # Ties go to the later pick: slices are the more useful answer when they explain as much.
    best_j = max(j for j, fit in enumerate(fits) if fit >= best - 1e-9)
    rest = search.rest_gain[best_j]
    return elements[:best_j], (rest if rest > base_penalty else None)


def _deviations(
    leaves: LeafTable, rows: NDArray[np.int64]
) -> list[tuple[FloatArray, FloatArray, NDArray[np.bool_], FloatArray]]:
    """Return (symmetric deviation, size, has-evidence, noise floor) per measure weighed.

    An additive KPI has one. A ratio KPI is weighed as its two ways of moving: its volume
    mix (each leaf's share of the denominator: a volume change everywhere is no cause) and
    its rate (numerator per denominator unit, where both periods have volume). The floor
    is the least noise a leaf can have: zero, or for counted events their Poisson noise.
    """
    a, f = leaves.actual[rows], leaves.expected[rows]
    if leaves.actual_den is None or leaves.expected_den is None:
        size = (np.abs(a) + np.abs(f)) / 2
        floor = count_floor(size) if is_count(a) else np.zeros_like(size)
        return [(symmetric_deviation(a, f), size, size > 0, floor)]
    a_den, f_den = leaves.actual_den[rows], leaves.expected_den[rows]
    counted_den = is_count(a_den)
    # A numerator of counted events that never exceeds its denominator is a proportion
    # (misrouted of cases): its rate has binomial noise. Summed seconds per case do not.
    proportion = counted_den and is_count(a) and bool(np.all(a <= a_den))
    # The typical leaf's volume change (a median: a big cause does not move it) is taken
    # out, so volume growing everywhere is not read as every slice gaining share.
    both = (a_den > 0) & (f_den > 0)
    typical = float(np.median(symmetric_deviation(a_den[both], f_den[both]))) if both.any() else 0.0
    scale = (2.0 + typical) / (2.0 - typical)
    f_den, f = f_den * scale, f * scale
    volume = (np.abs(a_den) + np.abs(f_den)) / 2
    rate_a = np.divide(a, a_den, out=np.zeros_like(a), where=both)
    rate_f = np.divide(f, f_den, out=np.zeros_like(f), where=both)
    volume_floor = count_floor(volume) if counted_den else np.zeros_like(volume)
    rate_floor = proportion_floor(a, f, a_den, f_den) if proportion else np.zeros_like(volume)
    return [
        (symmetric_deviation(a_den, f_den), volume, volume > 0, volume_floor),
        (np.where(both, symmetric_deviation(rate_a, rate_f), 0.0), volume, both, rate_floor),
    ]


def _measures(leaves: LeafTable) -> list[tuple[FloatArray, FloatArray]]:
    parts = [(leaves.actual, leaves.expected)]
    if leaves.actual_den is not None and leaves.expected_den is not None:
        parts.append((leaves.actual_den, leaves.expected_den))
    return parts


def _checked_slices(
    leaves: LeafTable, min_deviation: float, search: SearchResult, even: bool
) -> tuple[CheckedSlice, ...]:
    """Return the largest single-dimension slices by change, and why none qualified."""
    found: list[tuple[float, CheckedSlice]] = []
    total = float(leaves.actual.sum() - leaves.expected.sum())
    totals = ratio_totals(leaves) if leaves.is_ratio else None
    if totals is not None:
        total = safe_div(totals[0], totals[1]) - safe_div(totals[2], totals[3])
    for dim in range(len(leaves.dims)):
        size = int(leaves.values[dim].size)
        codes = leaves.codes[:, dim]
        a = np.bincount(codes, leaves.actual, size)
        f = np.bincount(codes, leaves.expected, size)
        if totals is not None and leaves.actual_den is not None and leaves.expected_den is not None:
            a_den = np.bincount(codes, leaves.actual_den, size)
            f_den = np.bincount(codes, leaves.expected_den, size)
            terms = [ratio_terms((a[c], a_den[c], f[c], f_den[c]), totals) for c in range(size)]
            change = np.array([m + r for m, r in terms])
            rel = np.array(
                [
                    safe_div(
                        a[c] / a_den[c] if a_den[c] else 0.0, f[c] / f_den[c] if f_den[c] else 0.0
                    )
                    - 1
                    for c in range(size)
                ]
            )
            shown_a = np.array([safe_div(a[c], a_den[c]) for c in range(size)])
            shown_f = np.array([safe_div(f[c], f_den[c]) for c in range(size)])
        else:
            change = a - f
            rel = np.where(f != 0, (a - f) / np.where(f != 0, f, 1.0), 0.0)
            shown_a, shown_f = a, f
        for c in np.argsort(-np.abs(change))[:_CHECKED]:
            if abs(rel[c]) < min_deviation:
                reason = f"moved less than {min_deviation:.0%}"
            elif even:
                reason = "moved about as much as the rest of the data"
            else:
                reason = "its change is within the normal day-to-day noise of its parts"
            label = names(leaves, (dim,), (int(c),))
            found.append(
                (
                    abs(float(change[c])),
                    CheckedSlice(
                        label,
                        float(shown_a[c]),
                        float(shown_f[c]),
                        safe_div(float(change[c]), total),
                        reason,
                    ),
                )
            )
    found.sort(key=lambda item: -item[0])
    return tuple(item[1] for item in found[:_CHECKED])
