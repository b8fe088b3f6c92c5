"""Turn found elements into what a person reads: sums, shares and the mix/rate split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from commands.kpi.rootcause_noise import BoolArray
from commands.kpi.rootcause_table import LeafTable

CauseKind = Literal["mix", "rate"]


@dataclass(frozen=True)
class RootCause:
    """One dimension-value combination that explains part of the deviation.

    ``score`` is the element's share of the evidence all causes together account for;
    ``share`` is the signed share of the KPI's total change it accounts for;
    ``strength`` is how many noise spreads its deviation stands out by. Ratio KPIs also
    carry numerator/denominator sums and the two terms of
    ratio change = Σ share shift × expected rate + Σ actual share × rate change.
    """

    elements: Mapping[str, str] = field(hash=False)
    score: float
    actual: float
    expected: float
    share: float
    strength: float = 0.0
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
class CheckedSlice:
    """A large slice that was looked at and did not qualify, with the reason why."""

    elements: Mapping[str, str] = field(hash=False)
    actual: float
    expected: float
    share: float
    reason: str


def inside(leaves: LeafTable, dims: tuple[int, ...], codes: tuple[int, ...]) -> BoolArray:
    """Return the mask of leaves under the element."""
    mask = np.ones(leaves.n_rows, dtype=np.bool_)
    for d, c in zip(dims, codes, strict=True):
        mask &= leaves.codes[:, d] == c
    return mask


def names(leaves: LeafTable, dims: tuple[int, ...], codes: tuple[int, ...]) -> dict[str, str]:
    """Return the element as {dimension: value}."""
    return {leaves.dims[d]: leaves.decode(d, c) for d, c in zip(dims, codes, strict=True)}


def mask_share(leaves: LeafTable, mask: BoolArray) -> float:
    """Return the signed share of the KPI's total change carried by the leaves in `mask`."""
    a_num, f_num = float(leaves.actual[mask].sum()), float(leaves.expected[mask].sum())
    if leaves.actual_den is None or leaves.expected_den is None:
        return safe_div(a_num - f_num, float(leaves.actual.sum() - leaves.expected.sum()))
    sums = (
        a_num,
        float(leaves.actual_den[mask].sum()),
        f_num,
        float(leaves.expected_den[mask].sum()),
    )
    totals = ratio_totals(leaves)
    mix, rate = ratio_terms(sums, totals)
    return safe_div(mix + rate, safe_div(totals[0], totals[1]) - safe_div(totals[2], totals[3]))


def explained_share(
    leaves: LeafTable,
    elements: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
    shares: Sequence[float],
) -> float:
    """Return the share of the change the causes explain together, each leaf counted once.

    Disjoint causes simply add up. Overlapping ones (refund and refund × billing) would count
    their common leaves twice, past 100 %: then the share of their union is the answer.
    """
    masks = [inside(leaves, dims, codes) for dims, codes in elements]
    covered = np.zeros(leaves.n_rows, dtype=np.int64)
    for mask in masks:
        covered += mask
    if not masks or int(covered.max()) <= 1:
        return float(sum(shares))
    return mask_share(leaves, covered > 0)


def describe(
    leaves: LeafTable, dims: tuple[int, ...], codes: tuple[int, ...], score: float, strength: float
) -> RootCause:
    """Turn a found element into a RootCause with its sums and contribution."""
    mask = inside(leaves, dims, codes)
    label = names(leaves, dims, codes)
    a_num, f_num = float(leaves.actual[mask].sum()), float(leaves.expected[mask].sum())
    if leaves.actual_den is None or leaves.expected_den is None:
        total_change = float(leaves.actual.sum() - leaves.expected.sum())
        return RootCause(
            elements=label,
            score=score,
            actual=a_num,
            expected=f_num,
            share=safe_div(a_num - f_num, total_change),
            strength=strength,
        )
    a_den = float(leaves.actual_den[mask].sum())
    f_den = float(leaves.expected_den[mask].sum())
    totals = ratio_totals(leaves)
    mix, rate = ratio_terms((a_num, a_den, f_num, f_den), totals)
    total_change = safe_div(totals[0], totals[1]) - safe_div(totals[2], totals[3])
    kind: CauseKind = "mix" if abs(mix) >= abs(rate) else "rate"
    return RootCause(
        elements=label,
        score=score,
        actual=safe_div(a_num, a_den),
        expected=safe_div(f_num, f_den),
        share=safe_div(mix + rate, total_change),
        strength=strength,
        kind=kind,
        actual_num=a_num,
        actual_den=a_den,
        expected_num=f_num,
        expected_den=f_den,
        mix=mix,
        rate=rate,
    )


def ratio_totals(leaves: LeafTable) -> tuple[float, float, float, float]:
    """Return the cube's (actual num, actual den, expected num, expected den)."""
    assert leaves.actual_den is not None and leaves.expected_den is not None
    return (
        float(leaves.actual.sum()),
        float(leaves.actual_den.sum()),
        float(leaves.expected.sum()),
        float(leaves.expected_den.sum()),
    )


def ratio_terms(
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
    share_actual = safe_div(a_den, ta_den)
    share_expected = safe_div(f_den, tf_den)
    # A slice that is new (no expected volume) has no expected rate: judge it by its actual.
    rate_reference = safe_div(f_num, f_den) if f_den else safe_div(a_num, a_den)
    rate_actual = safe_div(a_num, a_den) if a_den else rate_reference
    rest_rate = safe_div(tf_num - f_num, tf_den - f_den)
    mix = (share_actual - share_expected) * (rate_reference - rest_rate)
    rate = share_actual * (rate_actual - rate_reference)
    return mix, rate


def safe_div(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0
