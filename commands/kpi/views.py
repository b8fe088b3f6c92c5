"""Block Kit for /kpi answers: snapshot, break-down table, help. Builders only, no queries."""

from __future__ import annotations

import json
from typing import Any

from commands.kpi.filters import describe_filters
from commands.kpi.formatting import format_change, format_value, sparkline
from commands.kpi.grammar import USAGE, KpiRequest, Period
from commands.kpi.registry import KpiDefinition, KpiRegistry
from commands.kpi.snapshot import BreakdownRow, KpiLine, Snapshot
from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip
from storage.kpi import DIMENSIONS

SECTION_LIMIT = 3000
BREAKDOWN_ACTION_PREFIX = "kpi_breakdown_"
WHY_ACTION = "kpi_why"
BUTTON_VALUE = 2000  # Slack's limit on a button's value
_TABLE_ROWS = 15


def period_text(period: Period) -> str:
    """Render a period as its name and explicit dates."""
    explicit = period.span().replace("..", " – ")
    if period.label in (period.span(), explicit, f"{period.start} to {period.end}"):
        return explicit
    return f"{period.label} ({period.span().replace('..', ' – ')})"


def _arrow(line: KpiLine) -> str:
    change = line.relative_change
    if change is None or abs(change) < 0.005:
        return "→"
    return "▲" if change > 0 else "▼"


def _kpi_text(line: KpiLine) -> str:
    kpi = line.kpi
    text = f"*{escape(kpi.label)}*  {format_value(kpi, line.value)}"
    if line.value is not None:
        text += f"  {_arrow(line)} {format_change(kpi, line.value, line.previous)}"
        if kpi.target is not None:
            text += f"  · target {format_value(kpi, kpi.target_value())}"
    if line.spike:
        kind, _, note = line.spike.partition(" ")
        text += f"\n:rotating_light: *{kind}* — {escape(note)}"
    spark = sparkline(line.series)
    if spark.strip():
        text += f"\n`{spark}`"
    return clip_mrkdwn(text, SECTION_LIMIT)


def render_no_data(snapshot: Snapshot) -> dict[str, Any]:
    """Answer a period without any data privately: a card of "no data" lines helps no one."""
    request = snapshot.request
    text = (
        f"No KPI data for {period_text(request.period)}"
        f"{' with ' + describe_filters(snapshot.filters) if snapshot.filters else ''}"
    )
    if snapshot.data_through is not None:
        text += f": the data runs through {snapshot.data_through.isoformat()}"
        text += ". Try `/kpi yesterday` or `/kpi week`."
    else:
        text += ": no KPI data has been imported yet (`opsbot kpi import FILE…`)."
    return {"response_type": "ephemeral", "text": escape_clip(text, 3000)}


def render_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """Build the in-channel answer: one section per KPI, context, break-down and Why?."""
    request = snapshot.request
    if snapshot.lines and all(line.value is None for line in snapshot.lines):
        return render_no_data(snapshot)
    through = (
        f"data through {snapshot.data_through.isoformat()}" if snapshot.data_through else "no data"
    )
    context = (
        f"{describe_filters(snapshot.filters)} · vs {period_text(request.compare)} · {through}"
    )
    if request.notes:  # periods fitted to the data, scaled comparisons: said, never silent
        context += "\n" + "; ".join(request.notes) + "."
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(f"KPIs — {period_text(request.period)}", 150),
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(context, 2900)}]},
    ]
    for line in snapshot.lines[:40]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _kpi_text(line)}})
    # The buttons ask again with the same comparison: typed `vs` stays explicit, a default
    # stays default (so Why? uses the seasonal baseline, as the command does).
    filtered = KpiRequest(
        "snapshot",
        request.period,
        request.compare,
        dict(snapshot.filters),
        compare_given=request.compare_given,
    )
    canonical = filtered.canonical()
    # A button value must parse back whole, so a request too long for one gets no button
    # rather than a clipped value.
    buttons = [
        {
            "type": "button",
            "action_id": f"{BREAKDOWN_ACTION_PREFIX}{dim}",
            "text": {"type": "plain_text", "text": f"By {dim}"},
            "value": canonical,
        }
        for dim in DIMENSIONS
        # A view of one vendor broken down by vendor is that vendor again: no button.
        if len(canonical) <= BUTTON_VALUE and len(snapshot.filters.get(dim, ())) != 1
    ]
    moved = snapshot.most_changed()
    why = json.dumps({"kpi": moved.kpi.key, "q": canonical}) if moved is not None else ""
    if why and len(why) <= BUTTON_VALUE:
        buttons.append(
            {
                "type": "button",
                "action_id": WHY_ACTION,
                "text": {"type": "plain_text", "text": "Why?"},
                "style": "primary",
                "value": why,
            }
        )
    if buttons:
        note = {"type": "mrkdwn", "text": "Break down by…"}
        blocks.append({"type": "context", "elements": [note]})
        blocks.append({"type": "actions", "block_id": "kpi_actions", "elements": buttons})
    summary = "; ".join(
        f"{line.kpi.label} {format_value(line.kpi, line.value)}" for line in snapshot.lines
    )
    text = escape_clip(summary, 3000)
    return {"response_type": "in_channel", "text": text, "blocks": blocks[:50]}


def _short_change(kpi: KpiDefinition, value: float, previous: float) -> str:
    """The change as the card gives it: points for a percentage KPI, percent otherwise."""
    if kpi.unit == "percent":
        points = (value - previous) * 100
        return f"{'+' if points >= 0 else '−'}{abs(points):.1f} pp"
    if not previous:
        return "new" if value else "±0%"
    change = (value - previous) / abs(previous) * 100
    return f"{'+' if change >= 0 else '−'}{abs(change):.0f}%"


def render_breakdown(
    rows: list[BreakdownRow], *, dimension: str, request: KpiRequest, registry: KpiRegistry
) -> dict[str, Any]:
    """Build a ranked table of the period's KPIs per value of `dimension`."""
    shown = [
        k for k in ("incoming", "manual_solved", "aht", "aas", "automation") if registry.get(k)
    ]
    kpis = [kpi for kpi in (registry.get(k) for k in shown) if kpi is not None]
    # Each column is as wide as its label: a header is never cut ("Automation rat").
    widths = [max(16, len(kpi.label) + 2) for kpi in kpis]
    header = f"{dimension:<18}" + "".join(
        f"{kpi.label:>{width}}" for kpi, width in zip(kpis, widths, strict=True)
    )
    lines = [header]
    for row in rows[:_TABLE_ROWS]:
        cells = []
        for kpi, width in zip(kpis, widths, strict=True):
            value = kpi.value(row.current)
            previous = kpi.value(row.previous)
            cell = format_value(kpi, value)
            if value is not None and previous is not None:
                cell += f" {_short_change(kpi, value, previous)}"
            cells.append(f"{cell:>{width}}")
        lines.append(f"{clip(row.value, 17):<18}" + "".join(cells))
    more = len(rows) - _TABLE_ROWS
    table = "```\n" + "\n".join(lines) + "\n```"
    title = f"*By {dimension}* — {period_text(request.period)}, {describe_filters(request.filters)}"
    title += f" (change vs {period_text(request.compare)})"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(title, 2900)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape_clip(table, 2990)}},
    ]
    if more > 0:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"and {more} more"}]}
        )
    if not rows:
        blocks = [
            *blocks[:1],
            {"type": "section", "text": {"type": "mrkdwn", "text": "No data for this period."}},
        ]
    return {
        "response_type": "in_channel",
        "replace_original": False,
        "text": f"KPIs by {escape(dimension)}",
        "blocks": blocks,
    }


def render_help(registry: KpiRegistry) -> dict[str, Any]:
    """Build the ephemeral `/kpi help`: grammar and every KPI's definition."""
    definitions = []
    for kpi in registry.kpis:
        formula = " + ".join(f"Σ {m}" for m in kpi.numerator)
        if kpi.denominator:
            formula = f"({formula}) / ({' + '.join(f'Σ {m}' for m in kpi.denominator)})"
        if kpi.one_minus:
            formula = f"1 − {formula}"
        definitions.append(f"• `{kpi.key}` *{escape(kpi.label)}* = {formula}")
    text = "```\n" + USAGE + "\n```\n" + "\n".join(definitions)
    return {
        "response_type": "ephemeral",
        "text": "How to use /kpi",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 2990)}}],
    }
