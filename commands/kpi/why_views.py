"""Block Kit for root-cause findings, with an "Open escalation" button carrying the finding."""

from __future__ import annotations

import json
from typing import Any

from commands.kpi.filters import describe_filters
from commands.kpi.formatting import format_percent, format_value
from commands.kpi.rootcause import RootCause
from commands.kpi.views import period_text
from commands.kpi.why import WhyFinding
from commands.mrkdwn import clip, clip_mrkdwn, escape_clip

ESCALATION_ACTION = "escalation_from_finding"
BUTTON_VALUE = 2000


def _comparison_phrase(days: int) -> str:
    return {1: "day over day", 7: "week over week"}.get(days, f"vs the previous {days} days")


def _elements(cause: RootCause) -> str:
    return " × ".join(f"{k}:{v}" for k, v in sorted(cause.elements.items()))


def _cause_numbers(finding: WhyFinding, cause: RootCause) -> str:
    kpi = finding.kpi
    if kpi.is_ratio:
        actual = 1 - cause.actual if kpi.one_minus else cause.actual
        expected = 1 - cause.expected if kpi.one_minus else cause.expected
        kind = "mix (volume moved)" if cause.kind == "mix" else "rate (the slice itself changed)"
        return f"expected {format_value(kpi, expected)}, got {format_value(kpi, actual)}; {kind}"
    delta = cause.actual - cause.expected
    sign = "+" if delta >= 0 else "−"
    return (
        f"{sign}{abs(round(delta)):,}, expected {format_value(kpi, cause.expected)}, "
        f"got {format_value(kpi, cause.actual)}"
    )


def finding_sentence(finding: WhyFinding) -> str:
    """Return the one-paragraph answer: the move, and how much the top cause explains."""
    kpi = finding.kpi
    request = finding.request
    if finding.value is None or finding.previous is None:
        return f"{kpi.label}: not enough data in both periods to compare."
    move = (
        format_percent(finding.value, finding.previous)
        if kpi.unit != "percent"
        else f"{(finding.value - finding.previous) * 100:+.1f} pp"
    )
    head = f"{kpi.label} {move} {_comparison_phrase(request.period.days)}."
    causes = finding.localisation.root_causes if finding.localisation else ()
    if not causes:
        return head + " No single slice stands out; the change is spread across the data."
    top = causes[0]
    share = max(0.0, min(top.share, 1.0))
    rest = (
        "the rest is spread thinly."
        if len(causes) == 1
        else f"also {', '.join(_elements(c) for c in causes[1:3])}."
    )
    return (
        f"{head} {share:.0%} of the change comes from {_elements(top)} "
        f"({_cause_numbers(finding, top)}); {rest}"
    )


def _finding_value(title: str, description: str, vendor: str | None) -> str:
    """Return the button's JSON within Slack's 2,000 characters, shortening the description.

    Clipping the JSON itself would leave the handler a broken document.
    """
    vendor = clip(vendor, 100) if vendor else None
    description = clip(description, 1500)
    while True:
        value = json.dumps({"title": title, "description": description, "vendor": vendor})
        if len(value) <= BUTTON_VALUE or not description:
            return value
        description = description[: len(description) // 2]


def render_finding(finding: WhyFinding) -> dict[str, Any]:
    """Build the answer with a ranked table of causes and an "Open escalation" button."""
    sentence = finding_sentence(finding)
    request = finding.request
    context = (
        f"{period_text(request.period)} vs {period_text(request.compare)} · "
        f"{describe_filters(finding.filters)}"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape_clip(sentence, 2990)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(context, 2900)}]},
    ]
    causes = finding.localisation.root_causes if finding.localisation else ()
    if causes:
        rows = [f"{'#':<3}{'cause':<44}{'share':>7}  detail"]
        for rank, cause in enumerate(causes, start=1):
            rows.append(
                f"{rank:<3}{clip(_elements(cause), 43):<44}{cause.share:>7.0%}  "
                f"{_cause_numbers(finding, cause)}"
            )
        table = "```\n" + "\n".join(rows) + "\n```"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": escape_clip(table, 2990)}}
        )
        vendor = next((c.elements.get("vendor") for c in causes if "vendor" in c.elements), None)
        if vendor is None and len(finding.filters.get("vendor", ())) == 1:
            vendor = finding.filters["vendor"][0]
        title = clip(f"{finding.kpi.label} change: {_elements(causes[0])}", 150)
        blocks.append(
            {
                "type": "actions",
                "block_id": "kpi_finding",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ESCALATION_ACTION,
                        "text": {"type": "plain_text", "text": "Open escalation"},
                        "value": _finding_value(title, sentence, vendor),
                    }
                ],
            }
        )
    return {
        "response_type": "in_channel",
        "replace_original": False,
        "text": escape_clip(sentence, 3000),
        "blocks": blocks,
    }
