"""Routing analysis over customer cases: misroutes, flows, delays and routing suggestions.

Pure: cases in, figures out. Everything is derived from one tally per (reason, initial queue,
final queue), so a million cases cost one pass and a few thousand groups.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from integrations.case_sources.records import CaseRecord

# 95 % one-sided: a proposal needs the share's lower confidence bound above the threshold.
_Z = 1.645


@dataclass(frozen=True)
class RoutingParams:
    """How much evidence a suggestion needs, and how much to show."""

    min_cases: int = 30  # cases that would move, in the period
    min_share: float = 0.5  # "mostly": the lower confidence bound of the share must exceed it
    # The routing to change must be a real rule for the reason, not its stray misroutes: a
    # queue that gets 3 % of a reason's cases by mistake hands nearly all of them on.
    min_routed_share: float = 0.2
    top_flows: int = 10
    top_suggestions: int = 10


@dataclass
class Tally:
    """Sums for one group of cases; means are computed from them."""

    cases: int = 0
    transfers: int = 0
    transfers_known: int = 0
    solve_hours: float = 0.0
    solved: int = 0
    response_hours: float = 0.0
    responded: int = 0

    def add(self, case: CaseRecord) -> None:
        """Count one case into the sums."""
        self.cases += 1
        if case.transfers is not None:
            self.transfers += case.transfers
            self.transfers_known += 1
        solve = case.solve_hours
        if solve is not None:
            self.solve_hours += solve
            self.solved += 1
        response = case.first_response_hours
        if response is not None:
            self.response_hours += response
            self.responded += 1

    def merge(self, other: Tally) -> None:
        """Add another group's sums to these."""
        self.cases += other.cases
        self.transfers += other.transfers
        self.transfers_known += other.transfers_known
        self.solve_hours += other.solve_hours
        self.solved += other.solved
        self.response_hours += other.response_hours
        self.responded += other.responded

    @property
    def mean_solve(self) -> float | None:
        """Return the mean age at solve in hours (AAS), or None without solved cases."""
        return self.solve_hours / self.solved if self.solved else None

    @property
    def mean_response(self) -> float | None:
        """Return the mean first-response delay in hours, or None when unknown."""
        return self.response_hours / self.responded if self.responded else None


GroupKey = tuple[str, str, str]  # reason, initial queue, final queue


@dataclass
class CaseTally:
    """Every case counted into its (reason, initial, final) group, and the time span seen."""

    groups: dict[GroupKey, Tally] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, case: CaseRecord) -> None:
        """Count one case."""
        key = (case.reason, case.initial_queue, case.final_queue)
        tally = self.groups.get(key)
        if tally is None:
            tally = self.groups[key] = Tally()
        tally.add(case)
        if self.first is None or case.created_at < self.first:
            self.first = case.created_at
        if self.last is None or case.created_at > self.last:
            self.last = case.created_at

    def span_weeks(self) -> float:
        """Return the weeks between the first and last case's days, both days counted."""
        if self.first is None or self.last is None:
            return 0.0
        return ((self.last.date() - self.first.date()).days + 1) / 7


def tally_cases(cases: Iterable[CaseRecord]) -> CaseTally:
    """Count every case into its group."""
    tally = CaseTally()
    for case in cases:
        tally.add(case)
    return tally


@dataclass(frozen=True)
class Flow:
    """Cases routed first to one queue that ended in another."""

    from_queue: str
    to_queue: str
    cases: int


@dataclass(frozen=True)
class Destination:
    """Where a reason's cases ended, and what share of them."""

    queue: str
    cases: int
    share: float


@dataclass(frozen=True)
class ReasonSummary:
    """One reason: how often it is routed right and where its cases really end up."""

    reason: str
    cases: int
    accuracy: float
    destinations: tuple[Destination, ...]


@dataclass(frozen=True)
class Suggestion:
    """Route `reason` to `to_queue` instead of `from_queue`, with the evidence."""

    reason: str
    from_queue: str
    to_queue: str
    share: float  # of the reason's cases routed to from_queue that ended in to_queue
    cases: int  # those cases, in the period
    cases_per_week: float
    delay_hours: float  # extra AAS each of them took against correctly routed cases
    hours_saved_per_week: float


@dataclass(frozen=True)
class RoutingAnalysis:
    """Everything the report and the Slack answer show."""

    cases: int
    misrouted: int
    weeks: float
    transfers_per_case: float | None
    flows: tuple[Flow, ...]
    extra_solve_hours: float | None
    extra_response_hours: float | None
    reasons: tuple[ReasonSummary, ...]
    suggestions: tuple[Suggestion, ...]

    @property
    def misroute_rate(self) -> float | None:
        """Return the share of cases that ended in another queue, or None without cases."""
        return self.misrouted / self.cases if self.cases else None


def analyse(
    tally: CaseTally, *, weeks: float | None = None, params: RoutingParams
) -> RoutingAnalysis:
    """Derive the figures; `weeks` is the period's length (default: the span of the cases)."""
    weeks = weeks if weeks is not None else tally.span_weeks()
    total, misrouted = Tally(), Tally()
    flows: dict[tuple[str, str], int] = {}
    correct_by_reason: dict[str, Tally] = {}
    wrong_by_reason: dict[str, Tally] = {}
    for (reason, initial, final), group in tally.groups.items():
        total.merge(group)
        if initial == final:
            correct_by_reason.setdefault(reason, Tally()).merge(group)
            continue
        misrouted.merge(group)
        wrong_by_reason.setdefault(reason, Tally()).merge(group)
        flows[(initial, final)] = flows.get((initial, final), 0) + group.cases
    top = sorted(flows.items(), key=lambda item: (-item[1], item[0]))[: params.top_flows]
    extra_solve = _extra(correct_by_reason, wrong_by_reason, "solve")
    extra_response = _extra(correct_by_reason, wrong_by_reason, "response")
    return RoutingAnalysis(
        cases=total.cases,
        misrouted=misrouted.cases,
        weeks=weeks,
        transfers_per_case=(
            total.transfers / total.transfers_known if total.transfers_known else None
        ),
        flows=tuple(Flow(a, b, n) for (a, b), n in top),
        extra_solve_hours=extra_solve,
        extra_response_hours=extra_response,
        reasons=_reasons(tally),
        suggestions=_suggestions(tally, correct_by_reason, extra_solve, weeks, params),
    )


def _extra(correct: dict[str, Tally], wrong: dict[str, Tally], kind: str) -> float | None:
    """Weighted mean, over reasons, of misrouted minus correctly routed mean time."""
    weighted, weight = 0.0, 0
    for reason, bad in wrong.items():
        good = correct.get(reason)
        if good is None:
            continue
        if kind == "solve":
            bad_mean, good_mean, n = bad.mean_solve, good.mean_solve, bad.solved
        else:
            bad_mean, good_mean, n = bad.mean_response, good.mean_response, bad.responded
        if bad_mean is None or good_mean is None:
            continue
        weighted += (bad_mean - good_mean) * n
        weight += n
    return weighted / weight if weight else None


def _reasons(tally: CaseTally) -> tuple[ReasonSummary, ...]:
    by_reason: dict[str, dict[str, int]] = {}
    right: dict[str, int] = {}
    for (reason, initial, final), group in tally.groups.items():
        ends = by_reason.setdefault(reason, {})
        ends[final] = ends.get(final, 0) + group.cases
        if initial == final:
            right[reason] = right.get(reason, 0) + group.cases
    summaries = []
    for reason, ends in by_reason.items():
        n = sum(ends.values())
        ranked = sorted(ends.items(), key=lambda item: (-item[1], item[0]))[:3]
        summaries.append(
            ReasonSummary(
                reason=reason,
                cases=n,
                accuracy=right.get(reason, 0) / n,
                destinations=tuple(Destination(q, c, c / n) for q, c in ranked),
            )
        )
    return tuple(sorted(summaries, key=lambda s: (-s.cases, s.reason)))


def _suggestions(
    tally: CaseTally,
    correct_by_reason: dict[str, Tally],
    fallback_delay: float | None,
    weeks: float,
    params: RoutingParams,
) -> tuple[Suggestion, ...]:
    routed: dict[tuple[str, str], int] = {}  # (reason, initial) → cases
    of_reason: dict[str, int] = {}
    for (reason, initial, _final), group in tally.groups.items():
        routed[(reason, initial)] = routed.get((reason, initial), 0) + group.cases
        of_reason[reason] = of_reason.get(reason, 0) + group.cases
    found: list[Suggestion] = []
    for (reason, initial, final), group in tally.groups.items():
        n = routed[(reason, initial)]
        k = group.cases
        if initial == final or k < params.min_cases:
            continue
        if n < params.min_routed_share * of_reason[reason]:
            continue
        if _lower_bound(k, n) <= params.min_share:
            continue
        delay = _delay(group, correct_by_reason.get(reason), fallback_delay)
        per_week = k / weeks if weeks > 0 else 0.0
        found.append(
            Suggestion(
                reason=reason,
                from_queue=initial,
                to_queue=final,
                share=k / n,
                cases=k,
                cases_per_week=per_week,
                delay_hours=delay,
                hours_saved_per_week=per_week * max(delay, 0.0),
            )
        )
    found.sort(key=lambda s: (-s.hours_saved_per_week, -s.cases, s.reason, s.from_queue))
    return tuple(found[: params.top_suggestions])


def _delay(group: Tally, baseline: Tally | None, fallback: float | None) -> float:
    """Extra AAS of this flow against the reason's correctly routed cases."""
    mean = group.mean_solve
    base = baseline.mean_solve if baseline is not None else None
    if mean is not None and base is not None:
        return mean - base
    return fallback or 0.0


def _lower_bound(successes: int, trials: int) -> float:
    """Wilson score lower bound of a proportion (one-sided 95 %)."""
    if trials == 0:
        return 0.0
    p = successes / trials
    z2 = _Z * _Z
    centre = p + z2 / (2 * trials)
    margin = _Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return (centre - margin) / (1 + z2 / trials)
