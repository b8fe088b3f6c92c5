"""Block Kit for `/routing why`: the misroute rate before and now, and where it changed."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import clip, escape, escape_clip
from commands.routing.parsing import RoutingRequest
from commands.routing.why import MisrouteChange

SECTION_LIMIT = 3000
_DIM_NAMES = {"initial_queue": "first queue"}


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render_why(
    change: MisrouteChange, *, request: RoutingRequest, vendor: str | None
) -> dict[str, Any]:
    """Return the ephemeral answer to `/routing why`."""
    scope = f" ({escape(vendor)})" if vendor else ""
    head = (
        f"*Misroute rate, {escape(request.window.label)}*{scope}: {_rate(change.rate)} of "
        f"{change.cases:,} cases, against {_rate(change.previous_rate)} of "
        f"{change.previous_cases:,} the period before"
    )
    lines = [head]
    causes = change.localisation.root_causes if change.localisation else ()
    if change.rate is None or change.previous_rate is None:
        lines.append("Not enough cases in one of the two periods to compare.")
    elif not causes:
        lines.append("No slice stands out: the change is spread across the cases.")
    else:
        lines.append("*Where it changed*")
        for cause in causes:
            where = ", ".join(
                f"{_DIM_NAMES.get(d, d)} {escape_clip(v, 60)}"
                for d, v in sorted(cause.elements.items())
            )
            lines.append(
                f"• {where}: {cause.actual:.1%} misrouted (was {cause.expected:.1%}), "
                f"{cause.share:+.0%} of the change"
            )
    text = clip("\n".join(lines), SECTION_LIMIT)
    fallback = clip(
        f"Misroute rate {_rate(change.rate)} (was {_rate(change.previous_rate)})", SECTION_LIMIT
    )
    return {
        "response_type": "ephemeral",
        "text": fallback,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
