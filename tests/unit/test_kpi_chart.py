"""The /kpi trend chart, inspected as matplotlib objects (axes, lines, legends), not pixels."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from commands.kpi.chart import SPIKE_LABEL, render_trend_png, trend_figure
from commands.kpi.grammar import KpiRequest, Period
from commands.kpi.registry import BUILT_IN, KpiDefinition
from commands.kpi.snapshot import KpiLine, Snapshot

START = date(2026, 11, 2)
# A plausible value per built-in KPI, in stored units (seconds, fractions, counts).
TYPICAL = {
    "incoming": 4000.0,
    "manual_incoming": 1800.0,
    "solved": 3900.0,
    "manual_solved": 1700.0,
    "aht": 512.0,
    "aas": 20 * 3600.0,
    "automation": 0.56,
}


def _snapshot(
    days: int,
    *,
    kpis: tuple[KpiDefinition, ...] = BUILT_IN,
    spikes: dict[str, tuple[date, ...]] | None = None,
    filters: dict[str, tuple[str, ...]] | None = None,
) -> Snapshot:
    period = Period(START, START + timedelta(days=days - 1), "test")
    lines = tuple(
        KpiLine(
            kpi=kpi,
            value=TYPICAL.get(kpi.key, 10.0),
            previous=None,
            # AHT rises by a fifth in the second half: it must be visible on its own axis.
            series=tuple(
                TYPICAL.get(kpi.key, 10.0) * (1.2 if kpi.key == "aht" and i >= days // 2 else 1)
                for i in range(days)
            ),
            spike=None,
            spike_days=(spikes or {}).get(kpi.key, ()),
        )
        for kpi in kpis
    )
    request = KpiRequest("snapshot", period, period.preceding(), filters or {})
    return Snapshot(request=request, filters=filters or {}, lines=lines, data_through=None)


def _kpi_lines(ax: Axes) -> list[Line2D]:
    return [
        line
        for line in ax.get_lines()
        if not str(line.get_label()).startswith("_")
        and not str(line.get_label()).endswith("target")
        and line.get_label() != SPIKE_LABEL
    ]


def ys(line: Line2D) -> list[float]:
    """Return a line's y values as floats."""
    return [float(v) for v in np.asarray(line.get_ydata())]


def xs(line: Line2D) -> list[str]:
    """Return a line's x values as ISO days."""
    return [str(v)[:10] for v in np.asarray(line.get_xdata())]


def legend_texts(ax: Axes) -> list[str]:
    """Return the texts of the axes' legend (which must exist)."""
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _drawn(figure: Figure) -> None:
    figure.canvas.draw()


def _extent(artist: object, figure: Figure) -> Bbox:
    return artist.get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined, no-any-return]


def test_one_panel_per_unit_never_mixing_counts_seconds_and_percent() -> None:
    figure = trend_figure(_snapshot(28))
    axes = figure.axes
    assert [ax.get_ylabel() for ax in axes] == ["per day", "minutes", "hours", "%"]
    by_label = {kpi.label: kpi for kpi in BUILT_IN}
    for ax in axes:
        units = {by_label[str(line.get_label())].unit for line in _kpi_lines(ax)}
        assert len(units) == 1
    counts, minutes, hours, percent = ([str(x.get_label()) for x in _kpi_lines(a)] for a in axes)
    assert counts == ["Total incoming", "Manual incoming", "Total solved", "Manual solved"]
    assert (minutes, hours, percent) == (["AHT"], ["AAS"], ["Automation rate"])
    # On its own axis, in minutes: 8:32 → 10:14 reads as the rise it is.
    aht = ys(_kpi_lines(axes[1])[0])
    assert aht[0] == pytest.approx(512 / 60) and aht[-1] == pytest.approx(512 * 1.2 / 60)
    low, high = axes[1].get_ylim()
    assert high - low < 5  # minutes, not thousands of tickets
    assert ys(_kpi_lines(axes[3])[0])[0] == pytest.approx(56.0)


def test_target_lines_where_a_kpi_has_a_target() -> None:
    aht = replace(next(k for k in BUILT_IN if k.key == "aht"), target=540.0)  # seconds
    kpis = tuple(aht if k.key == "aht" else k for k in BUILT_IN)
    figure = trend_figure(_snapshot(14, kpis=kpis))
    targets = {
        str(line.get_label()): (ax.get_ylabel(), set(ys(line)))
        for ax in figure.axes
        for line in ax.get_lines()
        if str(line.get_label()).endswith("target")
    }
    assert targets == {
        "AHT target": ("minutes", {9.0}),
        "AAS target": ("hours", {24.0}),
        "Automation rate target": ("%", {60.0}),
    }
    for ax in figure.axes:
        for line in ax.get_lines():
            if str(line.get_label()).endswith("target"):
                assert line.get_linestyle() == "--"


def test_spike_markers_on_the_days_the_detector_flagged() -> None:
    flagged = (START + timedelta(days=5), START + timedelta(days=9))
    figure = trend_figure(_snapshot(14, spikes={"aht": flagged, "incoming": flagged[:1]}))
    counts, minutes, *_ = figure.axes
    (markers,) = [x for x in minutes.get_lines() if x.get_label() == SPIKE_LABEL]
    assert markers.get_marker() == "o" and markers.get_linestyle() == "None"
    assert xs(markers) == [d.isoformat() for d in flagged]
    assert ys(markers) == pytest.approx([512 / 60, 512 * 1.2 / 60])
    (on_counts,) = [x for x in counts.get_lines() if x.get_label() == SPIKE_LABEL]
    assert ys(on_counts) == [4000.0]
    assert not [x for x in figure.axes[2].get_lines() if x.get_label() == SPIKE_LABEL]
    assert SPIKE_LABEL in legend_texts(minutes)


@pytest.mark.parametrize("days", [7, 28, 366])
def test_legends_sit_outside_the_data_and_date_labels_do_not_overlap(days: int) -> None:
    figure = trend_figure(_snapshot(days, spikes={"aht": (START,)}))
    _drawn(figure)
    page = figure.bbox
    for ax in figure.axes:
        legend, data = _extent(ax.get_legend(), figure), _extent(ax, figure)
        assert legend.x0 >= data.x1  # right of the plotting area, overlapping nothing
        assert not legend.overlaps(data)
        assert page.x0 <= legend.x0 and legend.x1 <= page.x1  # and still on the picture
    labels = [t for t in figure.axes[-1].get_xticklabels() if t.get_text() and t.get_visible()]
    assert len(labels) >= 3
    boxes = sorted((_extent(t, figure) for t in labels), key=lambda b: b.x0)
    assert all(a.x1 <= b.x0 for a, b in pairwise(boxes))


def test_text_from_data_and_metrics_files_is_drawn_literally() -> None:
    odd = KpiDefinition("cost", "Cost in $ per $case", ("incoming",))
    snapshot = _snapshot(7, kpis=(odd,), filters={"vendor": ("A&B $x$",)})
    figure = trend_figure(snapshot)
    assert figure.get_suptitle().endswith("vendor:A&B $x$")
    assert legend_texts(figure.axes[0]) == [odd.label]
    assert render_trend_png(snapshot).startswith(b"\x89PNG")


def test_a_period_without_data_still_draws() -> None:
    empty = replace(
        _snapshot(7), lines=tuple(replace(x, series=(None,) * 7) for x in _snapshot(7).lines)
    )
    figure = trend_figure(empty)
    assert len(figure.axes) == 1
    assert render_trend_png(empty).startswith(b"\x89PNG")
