"""Human units for KPI values and changes, and unicode sparklines."""

from __future__ import annotations

import math
from collections.abc import Sequence

from commands.kpi.registry import KpiDefinition

_BARS = "▁▂▃▄▅▆▇█"


def format_value(kpi: KpiDefinition, value: float | None) -> str:
    """Render a KPI value in its unit: counts with separators, AHT m:ss, AAS hours, %."""
    if value is None:
        return "no data"
    if kpi.unit == "duration":
        return _clock(value)
    if kpi.unit == "hours":
        return f"{value / 3600:,.1f} h"
    if kpi.unit == "percent":
        return f"{value * 100:.1f}%"
    return f"{round(value):,}"


def format_change(kpi: KpiDefinition, value: float | None, previous: float | None) -> str:
    """Render the absolute and relative change, or why there is none."""
    if value is None or previous is None:
        return "no comparison"
    delta = value - previous
    if kpi.unit == "percent":
        return f"{_sign(delta)}{abs(delta) * 100:.1f} pp"
    if kpi.unit == "duration":
        absolute = _sign(delta) + _clock(abs(delta))
    elif kpi.unit == "hours":
        absolute = f"{_sign(delta)}{abs(delta) / 3600:,.1f} h"
    else:
        absolute = f"{_sign(delta)}{abs(round(delta)):,}"
    return f"{absolute} ({format_percent(value, previous)})"


def format_percent(value: float, previous: float) -> str:
    """Render the relative change as a signed percentage."""
    if previous == 0:
        return "new" if value else "±0%"
    pct = (value - previous) / abs(previous) * 100
    return f"{_sign(pct)}{abs(pct):.0f}%" if abs(pct) >= 10 else f"{_sign(pct)}{abs(pct):.1f}%"


def _sign(number: float) -> str:
    return "−" if number < 0 else "+"


def _clock(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def sparkline(values: Sequence[float | None]) -> str:
    """Render a daily series as ▁▂▃▄▅▆▇█ (a gap where there is no data)."""
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low
    out = []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif span == 0:
            out.append(_BARS[3])
        else:
            out.append(_BARS[min(7, int((v - low) / span * 7 + 0.5))])
    return "".join(out)
