"""Block Kit for `/routing`: summary, top flows, suggestions and the least accurate reasons."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import clip, escape, escape_clip
from commands.routing.analysis import RoutingAnalysis, Suggestion
from commands.routing.decisions import ShownSuggestion
from commands.routing.parsing import RoutingRequest
from storage.initiatives import Initiative
from storage.routing_suggestions import OPENED, RoutingSuggestion

OPEN_ACTION = "routing_open_initiative"
DISMISS_ACTION = "routing_dismiss"

SECTION_LIMIT = 3000
NAME_LIMIT = 60
SHOWN_FLOWS = 5
SHOWN_SUGGESTIONS = 5
SHOWN_REASONS = 5


def _name(text: str) -> str:
    """Escape imported text (queue and reason names) first, then clip it."""
    return escape_clip(text, NAME_LIMIT)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f} h"


def suggestion_line(s: Suggestion) -> str:
    """Return one suggestion as a mrkdwn line with its evidence."""
    return (
        f"• Route *{_name(s.reason)}* to *{_name(s.to_queue)}* instead of {_name(s.from_queue)}: "
        f"{s.share:.0%} of these cases end there · {s.cases_per_week:,.1f} cases/week · "
        f"≈ {s.hours_saved_per_week:,.1f} h/week saved ({s.delay_hours:+.1f} h each)"
    )


def _title(request: RoutingRequest, vendor: str | None) -> str:
    parts = [f"*Routing, {escape(request.window.label)}*"]
    filters = [f"{k}: {', '.join(v)}" for k, v in request.filters.items()]
    if vendor and "vendor" not in request.filters:
        filters.append(f"vendor: {vendor}")
    if filters:
        parts.append(escape_clip(" · ".join(filters), 300))
    return " — ".join(parts)


def _suggestion_blocks(shown: ShownSuggestion) -> list[dict[str, Any]]:
    line = suggestion_line(shown.suggestion)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": clip(line, SECTION_LIMIT)}}
    if shown.state == OPENED:
        note = "_Already opened as an initiative._"
        return [section, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
    value = str(shown.stored_id)
    buttons = [
        {
            "type": "button",
            "action_id": OPEN_ACTION,
            "text": {"type": "plain_text", "text": "Open as initiative"},
            "value": value,
            "style": "primary",
        },
        {
            "type": "button",
            "action_id": DISMISS_ACTION,
            "text": {"type": "plain_text", "text": "Dismiss"},
            "value": value,
        },
    ]
    return [section, {"type": "actions", "block_id": f"routing_s{value}", "elements": buttons}]


def render_routing(
    analysis: RoutingAnalysis,
    shown: list[ShownSuggestion],
    *,
    request: RoutingRequest,
    vendor: str | None,
) -> dict[str, Any]:
    """Return the ephemeral answer to `/routing`."""
    title = _title(request, vendor)
    if analysis.cases == 0:
        text = f"{title}\nNo cases in this period. Import some with `opsbot routing import`."
        return {"response_type": "ephemeral", "text": clip(text, SECTION_LIMIT)}
    rate = analysis.misroute_rate or 0.0
    summary = [
        f"{analysis.cases:,} cases, *{rate:.1%} misrouted* ({analysis.misrouted:,})",
    ]
    if analysis.transfers_per_case is not None:
        summary.append(f"{analysis.transfers_per_case:.2f} transfers per case")
    summary.append(
        f"misrouted cases took {_hours(analysis.extra_solve_hours)} age at solve and "
        f"{_hours(analysis.extra_response_hours)} to first response, against correctly "
        "routed cases of the same reason"
    )
    flows = [
        f"• {_name(f.from_queue)} → {_name(f.to_queue)}: {f.cases:,}"
        for f in analysis.flows[:SHOWN_FLOWS]
    ] or ["• none"]
    worst = sorted(analysis.reasons, key=lambda r: (r.accuracy, -r.cases))[:SHOWN_REASONS]
    reasons = [
        f"• {_name(r.reason)}: {r.accuracy:.0%} routed right of {r.cases:,}; ends in "
        + ", ".join(f"{_name(d.queue)} {d.share:.0%}" for d in r.destinations)
        for r in worst
    ]
    heading = "*Suggestions*, by hours saved"
    if not shown:
        heading += "\n• none: no reason mostly ends in another queue with enough cases"
    blocks = [
        _section(f"{title}\n" + "\n".join(summary)),
        _section("*Top flows* (first queue → final queue)\n" + "\n".join(flows)),
        _section(heading),
    ]
    for item in shown[:SHOWN_SUGGESTIONS]:
        blocks += _suggestion_blocks(item)
    blocks.append(_section("*Least accurate reasons*\n" + "\n".join(reasons)))
    fallback = (
        f"Routing, {escape(request.window.label)}: {analysis.cases:,} cases, {rate:.1%} misrouted"
    )
    return {"response_type": "ephemeral", "text": clip(fallback, SECTION_LIMIT), "blocks": blocks}


def _change(row: RoutingSuggestion) -> str:
    return (
        f"route *{_name(row.reason)}* to *{_name(row.to_queue)}* instead of {_name(row.from_queue)}"
    )


def render_opened(row: RoutingSuggestion, initiative: Initiative) -> dict[str, Any]:
    """Confirm the suggestion is filed as an initiative (the epic follows via the outbox)."""
    where = f"`{escape(initiative.key)}`" if initiative.key else "the tracker (filing now)"
    text = f"Opened as an initiative in {where}: {_change(row)}, with its evidence."
    return {"response_type": "ephemeral", "text": clip(text, SECTION_LIMIT)}


def render_dismissed(row: RoutingSuggestion) -> dict[str, Any]:
    """Confirm the suggestion is dismissed."""
    text = f"Dismissed: {_change(row)}. `/routing` will not propose it here again."
    return {"response_type": "ephemeral", "text": clip(text, SECTION_LIMIT)}
