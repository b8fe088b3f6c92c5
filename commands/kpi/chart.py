"""PNG trend charts with matplotlib's object API (Agg canvas, no pyplot global state)."""

from __future__ import annotations

import io
from datetime import timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from commands.kpi.filters import describe_filters
from commands.kpi.snapshot import Snapshot
from commands.kpi.views import period_text


def render_trend_png(snapshot: Snapshot) -> bytes:
    """Draw count KPIs and ratio KPIs per day of the period; return PNG bytes."""
    period = snapshot.request.period
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    counts = [line for line in snapshot.lines if not line.kpi.is_ratio]
    ratios = [line for line in snapshot.lines if line.kpi.is_ratio]
    figure = Figure(figsize=(9, 6), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for line in counts:
        top.plot(
            days, [v if v is not None else float("nan") for v in line.series], label=line.kpi.label
        )
    top.set_ylabel("per day")
    top.legend(loc="upper left", fontsize="small")
    top.grid(alpha=0.3)
    for line in ratios:
        scale = {"duration": 1 / 60, "hours": 1 / 3600, "percent": 100.0}.get(line.kpi.unit, 1.0)
        unit = {"duration": "min", "hours": "h", "percent": "%"}.get(line.kpi.unit, "")
        values = [v * scale if v is not None else float("nan") for v in line.series]
        bottom.plot(days, values, label=f"{line.kpi.label} ({unit})")
    bottom.legend(loc="upper left", fontsize="small")
    bottom.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.suptitle(f"{period_text(period)} — {describe_filters(snapshot.filters)}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
