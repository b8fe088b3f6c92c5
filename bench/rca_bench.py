"""Benchmark root-cause localisation on seeded semi-synthetic cubes.

Settings:
  B-d{depth}-c{causes}  Squeeze-B-style 6x36x10x10 cubes (21,600 leaves, a third zero, 1 %
                        forecast noise) with 1-3 causes all at one depth 1-3, each cause
                        scaling its leaves by a shared deviation of ±(10 %..90 %).
  ops20k / ops200k      5-dim queue x vendor x country x language x channel cubes, 1-3
                        causes at mixed depths 1-3.
  ratio-mix / -rate / -both
                        AHT-like ratio KPIs (handle seconds / handled) with injected volume
                        (mix) shifts, per-slice rate changes, or one of each; the table also
                        gives how often matched causes carry the right mix/rate label.

An exact match is required: an ancestor or descendant of a true cause counts as wrong.
Run ``python bench/rca_bench.py`` (full) or ``--quick`` (< 60 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commands.kpi.rootcause import LeafTable, Localisation, localise

Cause = frozenset[tuple[str, str]]
B_DIMS = ("a", "b", "c", "d")
B_CARDS = (6, 36, 10, 10)
OPS_DIMS = ("queue", "vendor", "country", "language", "channel")
OPS20K = (10, 8, 10, 5, 5)
OPS200K = (20, 10, 25, 8, 5)
RATIO_DIMS = ("queue", "vendor", "country", "channel")
RATIO_CARDS = (8, 12, 10, 5)


@dataclass
class Tally:
    """Exact-match counts and timings for one setting."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    labelled: int = 0
    labelled_right: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, truth: dict[Cause, str | None], result: Localisation) -> None:
        found = {frozenset(c.elements.items()): c.kind for c in result.root_causes}
        hits = truth.keys() & found.keys()
        self.tp += len(hits)
        self.fp += len(found.keys() - truth.keys())
        self.fn += len(truth.keys() - found.keys())
        for cause in hits:
            if truth[cause] is not None:
                self.labelled += 1
                self.labelled_right += found[cause] == truth[cause]
        self.ms.append(result.elapsed_ms)


def _grid(cards: tuple[int, ...]) -> NDArray[np.int32]:
    """Return every combination of codes, one row per leaf."""
    index = np.unravel_index(np.arange(int(np.prod(cards))), cards)
    return np.stack(index, axis=1).astype(np.int32)


def _values(dims: tuple[str, ...], cards: tuple[int, ...]) -> tuple[NDArray[np.str_], ...]:
    return tuple(
        np.array([f"{d}{i:02d}" for i in range(k)]) for d, k in zip(dims, cards, strict=True)
    )


def _names(dims: tuple[str, ...], cause_dims: tuple[int, ...], vals: tuple[int, ...]) -> Cause:
    return frozenset((dims[d], f"{dims[d]}{v:02d}") for d, v in zip(cause_dims, vals, strict=True))


def _pick_causes(
    rng: np.random.Generator,
    codes: NDArray[np.int32],
    support: NDArray[np.bool_],
    depths: list[int],
) -> list[tuple[tuple[int, ...], tuple[int, ...], NDArray[np.bool_]]]:
    """Pick distinct causes (dims, codes, leaf mask), none an ancestor of another."""
    n_dims = codes.shape[1]
    cards = codes.max(axis=0) + 1
    picked: list[tuple[tuple[int, ...], tuple[int, ...], NDArray[np.bool_]]] = []
    while len(picked) < len(depths):
        depth = depths[len(picked)]
        dims = tuple(sorted(int(x) for x in rng.choice(n_dims, depth, replace=False)))
        vals = tuple(int(rng.integers(cards[d])) for d in dims)
        mask = np.all(codes[:, list(dims)] == np.array(vals), axis=1)
        # Identifiable only with a few non-zero leaves; distinct causes must not nest.
        if np.count_nonzero(mask & support) < 3:
            continue
        pairs = set(zip(dims, vals, strict=True))
        others = [set(zip(d, v, strict=True)) for d, v, _ in picked]
        if any(pairs <= other or other <= pairs for other in others):
            continue
        picked.append((dims, vals, mask))
    return picked


def _deviation(rng: np.random.Generator, low: float = 0.1, high: float = 0.9) -> float:
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


def additive_case(
    rng: np.random.Generator,
    dims: tuple[str, ...],
    cards: tuple[int, ...],
    depths: list[int],
    *,
    zero_share: float,
    noise: float,
    spread: float = 0.0,
) -> tuple[LeafTable, dict[Cause, str | None]]:
    """Build a cube with causes at the given depths; return it and the true causes."""
    codes = _grid(cards)
    n = codes.shape[0]
    expected = np.asarray(rng.lognormal(mean=4.0, sigma=1.2, size=n), dtype=np.float64)
    expected[rng.random(n) < zero_share] = 0.0
    actual = expected * (1.0 + rng.normal(0.0, noise, n))
    truth: dict[Cause, str | None] = {}
    for cause_dims, cause_vals, mask in _pick_causes(rng, codes, expected > 0, depths):
        # Generalised ripple effect: every leaf under the cause shares one deviation.
        # ``spread`` lets leaves depart from the shared deviation (an imperfect ripple).
        shift = _deviation(rng) * (1.0 + rng.normal(0.0, spread, mask.sum()))
        actual[mask] = expected[mask] * (1.0 + shift) * (1.0 + rng.normal(0, noise, mask.sum()))
        truth[_names(dims, cause_dims, cause_vals)] = None
    values = _values(dims, cards)
    table = LeafTable(dims=dims, codes=codes, values=values, actual=actual, expected=expected)
    return table, truth


def ratio_case(
    rng: np.random.Generator, kinds: list[str], *, noise: float
) -> tuple[LeafTable, dict[Cause, str | None]]:
    """Build an AHT-like cube (seconds / handled) with mix or rate injections."""
    codes = _grid(RATIO_CARDS)
    n = codes.shape[0]
    handled = np.round(rng.lognormal(mean=3.0, sigma=1.0, size=n)) + 1.0
    handled[rng.random(n) < 0.25] = 0.0
    queue_factor = rng.uniform(0.7, 1.4, RATIO_CARDS[0])
    aht = 300.0 * queue_factor[codes[:, 0]] * rng.lognormal(0.0, 0.1, n)
    depths = [int(rng.integers(1, 3)) for _ in kinds]
    picked = _pick_causes(rng, codes, handled > 0, depths)
    for (_, _, mask), kind in zip(picked, kinds, strict=True):
        if kind == "mix":
            # A mix shift only moves AHT if the slice's own AHT differs from the rest.
            aht[mask] *= rng.choice([0.5, 1.8])
    seconds = handled * aht
    actual_den = handled * (1.0 + rng.normal(0.0, noise, n))
    actual_num = seconds * (1.0 + rng.normal(0.0, noise, n))
    truth: dict[Cause, str | None] = {}
    for (cause_dims, cause_vals, mask), kind in zip(picked, kinds, strict=True):
        shift = _deviation(rng, 0.2, 0.9)
        actual_num[mask] *= 1.0 + shift
        if kind == "mix":
            actual_den[mask] *= 1.0 + shift
        truth[_names(RATIO_DIMS, cause_dims, cause_vals)] = kind
    table = LeafTable(
        dims=RATIO_DIMS,
        codes=codes,
        values=_values(RATIO_DIMS, RATIO_CARDS),
        actual=actual_num,
        expected=seconds,
        actual_den=actual_den,
        expected_den=handled,
    )
    return table, truth


def run(
    cases: int, big_cases: int, noise: float, seed: int, spread: float = 0.0
) -> list[tuple[str, Tally]]:
    """Run every setting and return its tally."""
    rng = np.random.default_rng(seed)
    results: list[tuple[str, Tally]] = []
    for depth in (1, 2, 3):
        for count in (1, 2, 3):
            tally = Tally()
            for _ in range(cases):
                table, truth = additive_case(
                    rng,
                    B_DIMS,
                    B_CARDS,
                    [depth] * count,
                    zero_share=1 / 3,
                    noise=noise,
                    spread=spread,
                )
                tally.add(truth, localise(table, top_k=None))
            results.append((f"B-d{depth}-c{count}", tally))
    for name, cards, n_cases in (("ops20k", OPS20K, cases), ("ops200k", OPS200K, big_cases)):
        tally = Tally()
        for _ in range(n_cases):
            depths = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(1, 4)))]
            table, truth = additive_case(rng, OPS_DIMS, cards, depths, zero_share=0.5, noise=noise)
            tally.add(truth, localise(table, top_k=None))
        results.append((name, tally))
    for name, kinds in (
        ("ratio-mix", ["mix"]),
        ("ratio-rate", ["rate"]),
        ("ratio-both", ["mix", "rate"]),
    ):
        tally = Tally()
        for _ in range(cases):
            table, truth = ratio_case(rng, kinds, noise=noise)
            tally.add(truth, localise(table, top_k=None))
        results.append((name, tally))
    return results


def render(results: list[tuple[str, Tally]]) -> str:
    """Format the results as a fixed-width table."""
    header = (
        f"{'setting':<12} {'cases':>5} {'F1':>6} {'prec':>6} {'recall':>6} "
        f"{'ms mean':>8} {'ms p95':>8} {'label':>6}"
    )
    lines = [header, "-" * len(header)]
    total = Tally()
    for name, t in results:
        lines.append(_row(name, t))
        if name.startswith("B-"):
            total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
            total.ms.extend(t.ms)
    lines.append(_row("B-all", total))
    return "\n".join(lines)


def _row(name: str, t: Tally) -> str:
    precision = t.tp / (t.tp + t.fp) if t.tp + t.fp else 1.0
    recall = t.tp / (t.tp + t.fn) if t.tp + t.fn else 1.0
    f1 = 2 * t.tp / (2 * t.tp + t.fp + t.fn) if t.tp + t.fp + t.fn else 1.0
    ms = np.asarray(t.ms) if t.ms else np.zeros(1)
    label = f"{t.labelled_right / t.labelled:.2f}" if t.labelled else "-"
    return (
        f"{name:<12} {len(t.ms):>5} {f1:>6.3f} {precision:>6.3f} {recall:>6.3f} "
        f"{ms.mean():>8.1f} {np.percentile(ms, 95):>8.1f} {label:>6}"
    )


def main() -> None:
    """Parse arguments, run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20, help="cases per setting")
    parser.add_argument("--big-cases", type=int, default=10, help="cases for ops200k")
    parser.add_argument("--noise", type=float, default=0.01, help="relative forecast noise")
    parser.add_argument("--spread", type=float, default=0.0, help="per-leaf ripple spread")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--quick", action="store_true", help="5 cases per setting, 3 at 200k")
    args = parser.parse_args()
    cases, big = (5, 3) if args.quick else (args.cases, args.big_cases)
    started = time.perf_counter()
    print(render(run(cases, big, args.noise, args.seed, args.spread)))
    print(f"total {time.perf_counter() - started:.1f} s (noise {args.noise:.3f}, seed {args.seed})")


if __name__ == "__main__":
    main()
