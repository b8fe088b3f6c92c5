"""`/routing why`: where the misroute rate changed, by the root-cause engine (a ratio KPI)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import Session

from commands.kpi.rootcause import Localisation, localise
from commands.kpi.rootcause_table import LeafTable
from commands.routing.parsing import CaseWindow
from commands.scope import ChannelScope
from storage.routing import WHY_DIMENSIONS, misroute_leaves


@dataclass(frozen=True)
class MisrouteChange:
    """The misroute rate in the window and the one before it, and what explains the change."""

    window: CaseWindow
    previous: CaseWindow
    rate: float | None
    previous_rate: float | None
    cases: int
    previous_cases: int
    localisation: Localisation | None


def preceding(window: CaseWindow) -> CaseWindow:
    """Return the window of equal length just before `window`."""
    assert window.start is not None and window.end is not None
    start: datetime = window.start - (window.end - window.start)
    return CaseWindow(start, window.start, "the period before")


def explain_misroutes(
    *,
    session: Session,
    window: CaseWindow,
    filters: Mapping[str, tuple[str, ...]],
    scope: ChannelScope,
    top_k: int = 3,
) -> MisrouteChange:
    """Localise the change of misrouted/cases between `window` and the one before it."""
    wanted = dict(filters)
    if scope.vendor is not None:
        wanted["vendor"] = tuple(scope.restrict(list(wanted.get("vendor", ()))))
    # A dimension pinned to one value by a filter cannot explain anything inside the slice.
    dims = tuple(d for d in WHY_DIMENSIONS if len(wanted.get(d, ())) != 1)
    before = preceding(window)
    leaves: dict[tuple[str, ...], list[int]] = {}
    for offset, span in ((0, window), (2, before)):
        assert span.start is not None and span.end is not None
        for key, misrouted, cases in misroute_leaves(
            session.connection(), start=span.start, end=span.end, filters=wanted, dims=dims
        ):
            counts = leaves.setdefault(key, [0, 0, 0, 0])
            counts[offset], counts[offset + 1] = misrouted, cases
    now = [sum(c[i] for c in leaves.values()) for i in range(4)]
    rate = now[0] / now[1] if now[1] else None
    previous_rate = now[2] / now[3] if now[3] else None
    localisation = None
    keys = list(leaves)
    used = [j for j in range(len(dims)) if any(k[j] for k in keys)]
    if rate is not None and previous_rate is not None and used:
        table = LeafTable.from_columns(
            {dims[j]: [k[j] for k in keys] for j in used},
            actual=np.array([leaves[k][0] for k in keys], dtype=float),
            actual_den=np.array([leaves[k][1] for k in keys], dtype=float),
            expected=np.array([leaves[k][2] for k in keys], dtype=float),
            expected_den=np.array([leaves[k][3] for k in keys], dtype=float),
        )
        localisation = localise(table, top_k=top_k)
    return MisrouteChange(window, before, rate, previous_rate, now[1], now[3], localisation)
