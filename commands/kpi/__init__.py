"""`/kpi`: KPI snapshots, break-downs, root causes and trend charts in chat."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.kpi.grammar import USAGE
from commands.kpi.handlers import (
    BREAKDOWN_ACTION,
    handle_breakdown,
    handle_kpi,
    handle_why_button,
)
from commands.kpi.views import WHY_ACTION

FAMILY = CommandFamily(
    command="/kpi",
    summary="KPI snapshot with changes, spikes, break-downs, root causes and charts.",
    usage=tuple(USAGE.splitlines()),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the /kpi command and its buttons."""
    app.command(FAMILY.command)(handle_kpi)
    app.action(BREAKDOWN_ACTION)(handle_breakdown)
    app.action(WHY_ACTION)(handle_why_button)
