"""Root-cause localisation: which dimension-value combinations explain a KPI deviation.

Pure numpy; no Slack, database or I/O. See ``localise``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from time import perf_counter
from typing import Literal

import numpy as np

from commands.kpi.rootcause_search import (
    BoolArray,
    Element,
    FloatArray,
    layered_search,
    noise_scale,
    symmetric_deviation,
)
from commands.kpi.rootcause_table import LeafTable

__all__ = ["LeafTable", "Localisation", "RootCause", "localise"]

CauseKind = Literal["mix", "rate"]
_DOUBT_SIGMAS = 3.0


@dataclass(frozen=True)
class RootCause:
    """One dimension-value combination that explains part of the deviation.

    ``score`` is the share of the anomalous leaves' total absolute deviation that lies
    inside the element; ``share`` is the signed share of the KPI's total change it
    accounts for. Ratio KPIs also carry numerator/denominator sums and the two terms of
    ratio change = Σ share shift × expected rate + Σ actual share × rate change.
    """

    elements: Mapping[str, str] = field(hash=False)
    score: float
    actual: float
    expected: float
    share: float
    kind: CauseKind | None = None
    actual_num: float | None = None
    actual_den: float | None = None
    expected_num: float | None = None
    expected_den: float | None = None
    mix: float | None = None
    rate: float | None = None

    @property
    def depth(self) -> int:
        """Return how many dimensions the combination fixes."""
        return len(self.elements)


@dataclass(frozen=True)
class Localisation:
    """Ranked root causes plus how long the localisation took."""

    root_causes: tuple[RootCause, ...]
    elapsed_ms: float
    anomalous_leaves: int
    threshold: float


def localise(
    leaves: LeafTable,
    *,
    top_k: int | None = 3,
    purity: float = 0.9,
    sigmas: float = 5.0,
    min_deviation: float = 0.02,
    significance: float = 6.0,
) -> Localisation:
    """Find the smallest set of dimension-value combinations that explains the deviation.

    A leaf is anomalous when its relative deviation (of the numerator or denominator,
    for a ratio KPI) is beyond ``sigmas`` noise scales and beyond ``min_deviation``.
    ``purity`` is the least fraction of anomalous leaves an element must hold;
    ``significance`` is how many noise spreads a cause's summed deviation must exceed.
    """
    if not 0.0 < purity <= 1.0:
        raise ValueError("purity must be in (0, 1]")
    if top_k is not None and top_k < 0:
        raise ValueError("top_k must not be negative")
    started = perf_counter()
    part = _partition(leaves, sigmas, min_deviation)
    present = np.flatnonzero(part.evidence)
    cards = tuple(int(v.size) for v in leaves.values)
    found: list[Element] = []
    if leaves.dims and part.anomalous.any():
        found = layered_search(
            leaves.codes[present],
            cards,
            part.anomalous[present],
            part.counted[present],
            purity=purity,
        )
        # Rows were indexed within the evidence leaves; map them back to the table.
        found = [Element(el.dims, el.codes, present[el.rows]) for el in found]
    found = [el for el in found if _significant(leaves, el, part, significance)]
    total_mass = float(part.mass[part.anomalous].sum())
    causes = [_describe(leaves, el, float(part.mass[el.rows].sum()) / total_mass) for el in found]
    causes.sort(key=lambda c: (-c.score, c.depth, sorted(c.elements.items())))
    if top_k is not None:
        causes = causes[:top_k]
    elapsed = (perf_counter() - started) * 1000.0
    return Localisation(
        root_causes=tuple(causes),
        elapsed_ms=elapsed,
        anomalous_leaves=int(part.anomalous.sum()),
        threshold=part.threshold,
    )


@dataclass(frozen=True, eq=False)
class _Partition:
    """Per-leaf verdicts: evidence-free, anomalous, or counted (anomalous or normal)."""

    evidence: BoolArray
    anomalous: BoolArray
    counted: BoolArray
    mass: FloatArray
    threshold: float
    noise: tuple[float, ...]  # relative noise scale per measure


def _partition(leaves: LeafTable, sigmas: float, min_deviation: float) -> _Partition:
    """Split leaves into evidence-free, anomalous, doubtful and normal."""
    parts = _measures(leaves)
    magnitude = sum((np.abs(a) + np.abs(f) for a, f in parts), np.zeros(leaves.n_rows))
    # Leaves that are zero everywhere (common in sparse cubes) say nothing about a cause.
    evidence = magnitude > 1e-12 * float(magnitude.max(initial=0.0))
    anomalous = np.zeros(leaves.n_rows, dtype=np.bool_)
    doubtful = np.zeros(leaves.n_rows, dtype=np.bool_)
    mass = np.zeros(leaves.n_rows)
    threshold = min_deviation
    noise: list[float] = []
    for actual, expected in parts:
        deviation = np.abs(symmetric_deviation(actual, expected))
        sigma = noise_scale(deviation[evidence], sigmas=sigmas)
        high = max(sigmas * sigma, min_deviation)
        # Between the bands a leaf may be a weak anomaly or a noisy normal leaf: it is not
        # required to be explained and does not count against an element that holds it.
        low = max(_DOUBT_SIGMAS * sigma, min_deviation / 2)
        anomalous |= evidence & (deviation > high)
        doubtful |= evidence & (deviation > low)
        threshold = max(threshold, high)
        noise.append(sigma)
        # Normalised per measure so numerator and denominator moves are comparable.
        scale = float(np.abs(expected).sum()) or 1.0
        mass += np.abs(actual - expected) / scale
    counted = evidence & (anomalous | ~doubtful)
    return _Partition(evidence, anomalous, counted, mass, threshold, tuple(noise))


def _measures(leaves: LeafTable) -> list[tuple[FloatArray, FloatArray]]:
    parts = [(leaves.actual, leaves.expected)]
    if leaves.actual_den is not None and leaves.expected_den is not None:
        parts.append((leaves.actual_den, leaves.expected_den))
    return parts


def _significant(leaves: LeafTable, element: Element, part: _Partition, minimum: float) -> bool:
    """Tell whether the element's summed deviation stands out from leaf noise.

    Relative noise σ on each leaf gives the sum a spread of σ·sqrt(Σ f²); one stray leaf
    just over the leaf threshold is thereby not reported as a cause.
    """
    inside = _inside(leaves, element)
    for (actual, expected), sigma in zip(_measures(leaves), part.noise, strict=True):
        a, f = actual[inside], expected[inside]
        spread = sigma * float(np.sqrt(np.sum(((np.abs(a) + np.abs(f)) / 2) ** 2)))
        if abs(float(a.sum() - f.sum())) > minimum * spread:
            return True
    return False


def _inside(leaves: LeafTable, element: Element) -> BoolArray:
    selected = leaves.codes[:, list(element.dims)] == np.asarray(element.codes)
    return np.asarray(np.all(selected, axis=1))


def _describe(leaves: LeafTable, element: Element, score: float) -> RootCause:
    """Turn a found element into a RootCause with its sums and contribution."""
    inside = _inside(leaves, element)
    names = {
        leaves.dims[d]: leaves.decode(d, c)
        for d, c in zip(element.dims, element.codes, strict=True)
    }
    a_num, f_num = float(leaves.actual[inside].sum()), float(leaves.expected[inside].sum())
    if leaves.actual_den is None or leaves.expected_den is None:
        total_change = float(leaves.actual.sum() - leaves.expected.sum())
        return RootCause(
            elements=names,
            score=score,
            actual=a_num,
            expected=f_num,
            share=_safe_div(a_num - f_num, total_change),
        )
    a_den = float(leaves.actual_den[inside].sum())
    f_den = float(leaves.expected_den[inside].sum())
    totals = (
        float(leaves.actual.sum()),
        float(leaves.actual_den.sum()),
        float(leaves.expected.sum()),
        float(leaves.expected_den.sum()),
    )
    mix, rate = _ratio_terms((a_num, a_den, f_num, f_den), totals)
    slice_rate_actual = _safe_div(a_num, a_den)
    slice_rate_expected = _safe_div(f_num, f_den)
    total_change = _safe_div(totals[0], totals[1]) - _safe_div(totals[2], totals[3])
    kind: CauseKind = "mix" if abs(mix) >= abs(rate) else "rate"
    return RootCause(
        elements=names,
        score=score,
        actual=slice_rate_actual,
        expected=slice_rate_expected,
        share=_safe_div(mix + rate, total_change),
        kind=kind,
        actual_num=a_num,
        actual_den=a_den,
        expected_num=f_num,
        expected_den=f_den,
        mix=mix,
        rate=rate,
    )


def _ratio_terms(
    slice_sums: tuple[float, float, float, float], totals: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Return the slice's (mix, rate) terms of the total ratio change.

    With share s = den/Σden and rate r = num/den, R_a - R_e = Σ Δs·r_e + Σ s_a·Δr exactly.
    Splitting the cube into the slice and the rest, and because the shares' shifts
    cancel, the mix term is Δs·(r_slice - r_rest): volume moving into a slice only moves
    the ratio if that slice's rate differs from the rest's. For a lone cause the two
    terms add up to the whole change, up to the rest's own (noise) rate change.
    """
    a_num, a_den, f_num, f_den = slice_sums
    _, ta_den, tf_num, tf_den = totals
    share_actual = _safe_div(a_den, ta_den)
    share_expected = _safe_div(f_den, tf_den)
    # A slice that is new (no expected volume) has no expected rate: judge it by its actual.
    rate_reference = _safe_div(f_num, f_den) if f_den else _safe_div(a_num, a_den)
    rate_actual = _safe_div(a_num, a_den) if a_den else rate_reference
    rest_rate = _safe_div(tf_num - f_num, tf_den - f_den)
    mix = (share_actual - share_expected) * (rate_reference - rest_rate)
    rate = share_actual * (rate_actual - rate_reference)
    return mix, rate


def _safe_div(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0
