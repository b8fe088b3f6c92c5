"""Routing: store imported or pulled cases, and analyse them per window, filter and scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session

from commands.routing.analysis import (
    CaseTally,
    RoutingAnalysis,
    RoutingParams,
    Tally,
    analyse,
    tally_cases,
)
from commands.routing.decisions import ShownSuggestion, remember_suggestions
from commands.routing.parsing import CaseWindow
from commands.scope import ChannelScope
from integrations.case_sources.records import CaseBatch, CaseRecord
from storage.routing import group_sums, replace_cases

T = TypeVar("T")


def store_cases(*, session: Session, batch: CaseBatch) -> int:
    """Replace the batch's cases by case id, in the session's transaction."""
    rows = [
        (
            case.case_id,
            case.created_at,
            case.channel,
            case.reason,
            case.initial_queue,
            case.final_queue,
            case.transfers,
            case.first_response_at,
            case.solved_at,
            case.vendor,
            case.country,
            case.language,
            case.solve_hours,
            case.first_response_hours,
        )
        for case in batch.cases.values()
    ]
    return replace_cases(session.connection(), rows)


def matches(case: CaseRecord, window: CaseWindow, filters: Mapping[str, Iterable[str]]) -> bool:
    """Tell whether a case falls in the window and passes every filter."""
    if window.start is not None and case.created_at < window.start:
        return False
    if window.end is not None and case.created_at >= window.end:
        return False
    return all(getattr(case, column) in set(values) for column, values in filters.items())


def analyse_records(
    cases: Iterable[CaseRecord],
    *,
    window: CaseWindow,
    filters: Mapping[str, tuple[str, ...]],
    params: RoutingParams,
) -> RoutingAnalysis:
    """Analyse cases held in memory (the CLI report on files)."""
    tally = tally_cases(case for case in cases if matches(case, window, filters))
    return analyse(tally, weeks=window.weeks, params=params)


def analyse_stored(
    *,
    session: Session,
    window: CaseWindow,
    filters: Mapping[str, tuple[str, ...]],
    scope: ChannelScope,
    params: RoutingParams,
) -> RoutingAnalysis:
    """Analyse stored cases; in a vendor-bound channel only that vendor's cases count."""
    wanted = dict(filters)
    if scope.vendor is not None:
        wanted["vendor"] = tuple(scope.restrict(list(wanted.get("vendor", ()))))
    groups, first, last = group_sums(
        session.connection(), start=window.start, end=window.end, filters=wanted
    )
    tally = CaseTally(first=first, last=last)
    for (
        reason,
        initial,
        final,
        cases,
        transfers,
        known,
        solve,
        solved,
        response,
        answered,
    ) in groups:
        tally.groups[(reason, initial, final)] = Tally(
            cases=cases,
            transfers=transfers,
            transfers_known=known,
            solve_hours=solve,
            solved=solved,
            response_hours=response,
            responded=answered,
        )
    return analyse(tally, weeks=window.weeks, params=params)


def routing_answer(
    *,
    session: Session,
    window: CaseWindow,
    filters: Mapping[str, tuple[str, ...]],
    scope: ChannelScope,
    params: RoutingParams,
    now: datetime,
) -> tuple[RoutingAnalysis, list[ShownSuggestion]]:
    """Analyse the stored cases and record the suggestions shown (without dismissed ones)."""
    analysis = analyse_stored(
        session=session, window=window, filters=filters, scope=scope, params=params
    )
    shown = remember_suggestions(
        session=session, analysis=analysis, scope=scope, window_label=window.label, now=now
    )
    return analysis, shown


def report_json(analysis: RoutingAnalysis) -> dict[str, Any]:
    """Return the report object `opsbot routing report --json` prints (DESIGN.md)."""
    rate = analysis.misroute_rate
    return {
        "cases": analysis.cases,
        "misroute_rate": None if rate is None else round(rate, 6),
        "flows": [
            {"from": f.from_queue, "to": f.to_queue, "cases": f.cases} for f in analysis.flows
        ],
        "suggestions": [
            {
                "reason": s.reason,
                "from_queue": s.from_queue,
                "to_queue": s.to_queue,
                "share": round(s.share, 4),
                "cases": s.cases,
                "hours_saved_per_week": round(s.hours_saved_per_week, 2),
            }
            for s in analysis.suggestions
        ],
    }
