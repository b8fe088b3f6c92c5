"""What /kpi answers, computed on a worker thread's session: no Slack, keyword-only arguments.

Each function is one unit of work (`storage.engine.in_worker`): it fits the request's periods
to the stored data, resolves the typed filters within the channel's scope, and computes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.kpi.filters import Filters, resolve_filters
from commands.kpi.grammar import KpiRequest
from commands.kpi.registry import KpiDefinition, KpiRegistry
from commands.kpi.snapshot import BreakdownRow, Snapshot, build_breakdown, fit_request
from commands.kpi.snapshot_cache import SnapshotCache
from commands.kpi.why import DEFAULT_WEEKS, WhyFinding, explain_change
from commands.scope import ChannelScope


@dataclass(frozen=True)
class WhyQuestion:
    """A `/kpi why` made concrete: the fitted request, its resolved filters and the KPI."""

    request: KpiRequest
    filters: Filters
    kpi: KpiDefinition


def fitted(
    *, session: Session, request: KpiRequest, scope: ChannelScope
) -> tuple[KpiRequest, Filters]:
    """Fit the periods to the data (they never run past it) and resolve the filters."""
    request = fit_request(session, request)
    filters = resolve_filters(session=session, filters=request.filters, scope=scope)
    return request, filters


def snapshot_answer(
    *, session: Session, request: KpiRequest, scope: ChannelScope, cache: SnapshotCache
) -> Snapshot:
    """Return the snapshot `/kpi` shows for `request` in `scope` (kept per data version)."""
    return cache.answer(session=session, request=request, scope=scope)


def why_question(
    *,
    session: Session,
    request: KpiRequest,
    scope: ChannelScope,
    registry: KpiRegistry,
    cache: SnapshotCache,
    kpi: KpiDefinition | None = None,
) -> WhyQuestion:
    """Return what to explain; without a KPI, the one that moved most in the snapshot."""
    request = cache.fit(session=session, request=request)
    filters = resolve_filters(session=session, filters=request.filters, scope=scope)
    if kpi is None:
        moved = cache.snapshot(session=session, request=request, filters=filters).most_changed()
        kpi = moved.kpi if moved else registry.kpis[0]
    return WhyQuestion(request, filters, kpi)


def why_answer(
    *, session: Session, question: WhyQuestion, weeks: int = DEFAULT_WEEKS
) -> WhyFinding:
    """Localise the question's change.

    ``weeks`` is the spike detector's seasonal window (OPSBOT_SPIKE_WEEKS), so the expected
    value is the one the detector used.
    """
    return explain_change(
        session=session,
        request=question.request,
        filters=question.filters,
        kpi=question.kpi,
        weeks=weeks,
    )


def breakdown_answer(
    *, session: Session, request: KpiRequest, scope: ChannelScope, dimension: str
) -> tuple[list[BreakdownRow], KpiRequest]:
    """Return the break-down rows and the request as shown (fitted, filters resolved)."""
    request, filters = fitted(session=session, request=request, scope=scope)
    rows = build_breakdown(session=session, request=request, filters=filters, dimension=dimension)
    shown = KpiRequest(
        "snapshot", request.period, request.compare, dict(filters), notes=request.notes
    )
    return rows, shown
