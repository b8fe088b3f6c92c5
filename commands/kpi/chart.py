"""PNG trend charts with matplotlib's object API (Agg canvas, no pyplot global state).

One panel per unit: counts, minutes, hours and percent never share an axis, so a 20 % rise
in AHT is not flattened against thousands of tickets. Each KPI with a target gets a dashed
target line in its panel, each day the spike detector flagged gets a marker, and the legends
sit to the right of the panels, never over the data.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from commands.kpi.grammar import Period
from commands.kpi.registry import KpiDefinition, Unit
from commands.kpi.snapshot import KpiLine, Snapshot
from commands.kpi.views import period_text

# Panel order, each unit's axis label, and the factor from stored values to that unit.
PANELS: tuple[tuple[Unit, str, float], ...] = (
    ("count", "per day", 1.0),
    ("duration", "minutes", 1 / 60),
    ("hours", "hours", 1 / 3600),
    ("percent", "%", 100.0),
)
_LABELS = {unit: label for unit, label, _ in PANELS}
_SCALES = {unit: scale for unit, _, scale in PANELS}
SPIKE_LABEL = "flagged by the spike detector"


def plain_filters(filters: Mapping[str, tuple[str, ...]]) -> str:
    """Describe the filters for a picture (no mrkdwn escaping: it would show as `&amp;`)."""
    if not filters:
        return "whole team"
    return " ".join(f"{k}:{','.join(vs)}" for k, vs in filters.items())


def target_in_chart_units(kpi: KpiDefinition) -> float | None:
    """Return the KPI's target on its panel's axis (targets are set in the unit shown)."""
    if kpi.target is None:
        return None
    if kpi.unit == "duration":
        return kpi.target / 60  # set in seconds, drawn in minutes
    return kpi.target


def trend_figure(snapshot: Snapshot) -> Figure:
    """Draw each KPI per day of the period, one panel per unit with data; return the figure."""
    period = snapshot.request.period
    days = [period.start + timedelta(days=i) for i in range(period.days)]
    panels = [
        (unit, lines)
        for unit, _, _ in PANELS
        if (lines := [x for x in snapshot.lines if x.kpi.unit == unit and _has_data(x)])
    ]
    rows = max(len(panels), 1)
    figure = Figure(figsize=(11, 1.2 + 2.4 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    for ax, (unit, lines) in zip(axes, panels, strict=False):
        _draw_panel(ax, unit, lines, days)
    if not panels:
        axes[0].text(0.5, 0.5, "no data in this period", ha="center", transform=axes[0].transAxes)
    _date_axis(axes[-1], period)
    title = f"{period_text(period)} — {plain_filters(snapshot.filters)}"
    figure.suptitle(title, parse_math=False)
    return figure


def render_trend_png(snapshot: Snapshot) -> bytes:
    """Return the trend chart of `snapshot` as PNG bytes."""
    buffer = io.BytesIO()
    trend_figure(snapshot).savefig(buffer, format="png")
    return buffer.getvalue()


def _has_data(line: KpiLine) -> bool:
    return any(v is not None for v in line.series)


def _draw_panel(ax: Axes, unit: Unit, lines: list[KpiLine], days: list[date]) -> None:
    scale = _SCALES[unit]
    x = np.array(days, dtype="datetime64[D]")
    flagged_shown = False
    for line in lines:
        values = [v * scale if v is not None else float("nan") for v in line.series]
        (drawn,) = ax.plot(x, values, label=line.kpi.label, linewidth=1.6)
        target = target_in_chart_units(line.kpi)
        if target is not None:
            ax.axhline(
                target,
                color=drawn.get_color(),
                linestyle="--",
                linewidth=1.0,
                label=f"{line.kpi.label} target",
            )
        flagged = [i for i, d in enumerate(days) if d in line.spike_days]
        if flagged:
            ax.plot(
                x[flagged],
                [values[i] for i in flagged],
                linestyle="none",
                marker="o",
                markersize=8,
                markerfacecolor="none",
                markeredgecolor="crimson",
                markeredgewidth=1.8,
                # One legend entry for the markers of every line in the panel.
                label=SPIKE_LABEL if not flagged_shown else "_nolegend_",
            )
            flagged_shown = True
    ax.set_ylabel(_LABELS[unit])
    ax.grid(alpha=0.3)
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    for text in legend.get_texts():
        text.set_parse_math(False)  # KPI labels come from the metrics file, `$` and all


def _date_axis(ax: Axes, period: Period) -> None:
    locator = AutoDateLocator(minticks=3, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    # Concise labels ("Nov", "08", "15") stay short enough never to overlap.
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    # Half a day of margin either side, so the first and last points are not on the frame.
    first, last = date2num(period.start), date2num(period.end)  # type: ignore[no-untyped-call]
    ax.set_xlim(first - 0.5, last + 0.5)
