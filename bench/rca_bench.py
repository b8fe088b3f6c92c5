"""Benchmark root-cause localisation: opsbot's engine against RiskLoc and Adtributor.

Every method sees the same cases in the same run. Families (see bench/rca_generators.py for
what each is and where its parameters come from):
  B0-B4    Squeeze-B-like, settings L{layer}-c{causes}, layer 1-3, 1-3 causes in one cuboid
  S, L, H  RiskLoc's synthetic families (H: 2.4 M leaves; H24M, the paper's 24 M-leaf
           dimensions, only with --families H24M)
  ratio    AHT-like ratio KPIs with a mix shift or a rate change (label = right mix/rate)
  noise    forecast noise only: every cause found is a false positive

Exact match: an ancestor or descendant of a true element is wrong. Cases come from the
held-out seed range unless --tuning is given. Defaults are small (a few cases per setting,
one H case); raise --cases / --big-cases for tighter figures.
Run: python bench/rca_bench.py [--cases N] [--big-cases N] [--families B0,B1,S,...]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rca_baselines import Found, adtributor, riskloc
from bench.rca_generators import HELD_OUT_SEEDS, TUNING_SEEDS, Case, Cause, make_case, settings
from commands.kpi.rootcause import localise
from commands.kpi.rootcause_table import LeafTable

Method = Callable[[LeafTable], tuple[Found, float, dict[Cause, str | None]]]


def _opsbot(table: LeafTable) -> tuple[Found, float, dict[Cause, str | None]]:
    result = localise(table, top_k=None)
    kinds: dict[Cause, str | None] = {
        frozenset(c.elements.items()): c.kind for c in result.root_causes
    }
    return [dict(c.elements) for c in result.root_causes], result.elapsed_ms, kinds


def _plain(method: Callable[[LeafTable], tuple[Found, float]]) -> Method:
    def run(table: LeafTable) -> tuple[Found, float, dict[Cause, str | None]]:
        found, ms = method(table)
        return found, ms, {}

    return run


METHODS: dict[str, Method] = {
    "opsbot": _opsbot,
    "riskloc": _plain(riskloc),
    "adtributor": _plain(adtributor),
}


@dataclass
class Tally:
    """Exact-match counts, label hits and timings of one method on one setting."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    labelled: int = 0
    labelled_right: int = 0
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def add(
        self, case: Case, found: Found, ms: float, kinds: dict[Cause, str | None], cpu_ms: float
    ) -> None:
        got = {frozenset(e.items()) for e in found}
        hits = got & case.truth
        self.tp += len(hits)
        self.fp += len(got - case.truth)
        self.fn += len(case.truth - got)
        for cause in hits:
            if cause in case.kinds:
                self.labelled += 1
                self.labelled_right += kinds.get(cause) == case.kinds[cause]
        self.ms.append(ms)
        self.cpu_ms.append(cpu_ms)

    @property
    def f1(self) -> float:
        return (
            2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 1.0
        )

    def cells(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        ms = float(np.mean(self.ms)) if self.ms else 0.0
        cpu = float(np.mean(self.cpu_ms)) if self.cpu_ms else 0.0
        return f"{precision:5.2f} {recall:5.2f} {self.f1:5.2f} {ms:8.1f} {cpu:8.1f}"


def run(
    families: set[str] | None,
    cases: int,
    big_cases: int,
    seeds: range,
    methods: list[str],
    *,
    b_noise: str = "count",
) -> list[str]:
    """Run the chosen families and return the printed lines."""
    head = f"{'family':<7}{'setting':<8}{'n':>3} " + " ".join(
        f"| {m:<10} P     R     F1      ms   cpu ms " for m in methods
    )
    if "opsbot" in methods and "riskloc" in methods:
        head += "| F1 ratio  ms ratio"
    lines = [head, "-" * len(head)]
    family_f1: dict[str, dict[str, list[float]]] = {}
    for family, setting in settings():
        if families is not None and family not in families:
            continue
        n = big_cases if family == "H" else cases
        if family == "H24M" and (families is None or family not in families):
            continue
        tallies = {m: Tally() for m in methods}
        for i in range(n):
            case = make_case(family, setting, seeds[i], b_noise=b_noise)
            for m in methods:
                # CPU time next to wall time: on a shared machine the wall clock also
                # counts other processes' turns.
                cpu_started = time.process_time()
                found, ms, kinds = METHODS[m](case.table)
                cpu_ms = (time.process_time() - cpu_started) * 1000.0
                tallies[m].add(case, found, ms, kinds, cpu_ms)
        row = f"{family:<7}{setting:<8}{n:>3} " + " ".join(
            f"| {m:<10}{tallies[m].cells()} " for m in methods
        )
        if "opsbot" in tallies and "riskloc" in tallies:
            ours, theirs = tallies["opsbot"], tallies["riskloc"]
            f1_ratio = ours.f1 / theirs.f1 if theirs.f1 else float("inf")
            ms_ratio = np.mean(ours.ms) / max(float(np.mean(theirs.ms)), 1e-9)
            row += f"| {f1_ratio:8.2f} {ms_ratio:8.2f}"
        labels = tallies.get("opsbot")
        if labels is not None and labels.labelled:
            row += f"  label {labels.labelled_right}/{labels.labelled}"
        lines.append(row)
        for m, t in tallies.items():
            family_f1.setdefault(family, {}).setdefault(m, []).append(t.f1)
    lines.append("")
    lines.append(
        "median F1 over each family's settings: "
        + "; ".join(
            f"{fam} " + " ".join(f"{m}={np.median(v):.2f}" for m, v in by.items())
            for fam, by in family_f1.items()
        )
    )
    return lines


def main() -> None:
    """Parse arguments, run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=3, help="cases per setting (default 3)")
    parser.add_argument("--big-cases", type=int, default=1, help="cases of the 2.4 M-leaf H family")
    parser.add_argument("--families", help="comma-separated families (default: all)")
    parser.add_argument("--methods", default="opsbot,riskloc,adtributor")
    parser.add_argument(
        "--tuning", action="store_true", help="use the tuning seeds, not the held-out ones"
    )
    parser.add_argument("--quick", action="store_true", help="1 case per setting, no H")
    parser.add_argument(
        "--b-noise",
        choices=("count", "flat"),
        default="count",
        help="B-family noise: count-like (default) or flat as in the public B0 file",
    )
    args = parser.parse_args()
    families = set(args.families.split(",")) if args.families else None
    cases, big = (1, 0) if args.quick else (args.cases, args.big_cases)
    if args.quick and families is None:
        families = {f for f, _ in settings()} - {"H", "H24M"}
    seeds = TUNING_SEEDS if args.tuning else HELD_OUT_SEEDS
    started = time.perf_counter()
    for line in run(families, cases, big, seeds, args.methods.split(","), b_noise=args.b_noise):
        print(line, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"total {time.perf_counter() - started:.1f} s, peak RSS {peak:.0f} MB, "
        f"seeds {'tuning' if args.tuning else 'held-out'} from {seeds[0]}, B noise {args.b_noise}"
    )


if __name__ == "__main__":
    main()
