"""Block Kit for `/routing`: summary, top flows, suggestions and the least accurate reasons."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import clip, escape, escape_clip
from commands.routing.analysis import RoutingAnalysis, Suggestion
from commands.routing.parsing import RoutingRequest

SECTION_LIMIT = 3000
NAME_LIMIT = 60
SHOWN_FLOWS = 5
SHOWN_SUGGESTIONS = 5
SHOWN_REASONS = 5


def _name(text: str) -> str:
    """Escape imported text (queue and reason names) first, then clip it."""
    return escape_clip(text, NAME_LIMIT)


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


def render_routing(
    analysis: RoutingAnalysis, *, request: RoutingRequest, vendor: str | None
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
    suggestions = [suggestion_line(s) for s in analysis.suggestions[:SHOWN_SUGGESTIONS]] or [
        "• none: no reason mostly ends in another queue with enough cases"
    ]
    worst = sorted(analysis.reasons, key=lambda r: (r.accuracy, -r.cases))[:SHOWN_REASONS]
    reasons = [
        f"• {_name(r.reason)}: {r.accuracy:.0%} routed right of {r.cases:,}; ends in "
        + ", ".join(f"{_name(d.queue)} {d.share:.0%}" for d in r.destinations)
        for r in worst
    ]
    sections = [
        f"{title}\n" + "\n".join(summary),
        "*Top flows* (first queue → final queue)\n" + "\n".join(flows),
        "*Suggestions*, by hours saved\n" + "\n".join(suggestions),
        "*Least accurate reasons*\n" + "\n".join(reasons),
    ]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(s, SECTION_LIMIT)}}
        for s in sections
    ]
    fallback = (
        f"Routing, {escape(request.window.label)}: {analysis.cases:,} cases, {rate:.1%} misrouted"
    )
    return {"response_type": "ephemeral", "text": clip(fallback, SECTION_LIMIT), "blocks": blocks}
