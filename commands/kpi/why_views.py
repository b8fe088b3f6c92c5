"""Block Kit for root-cause findings, with an "Open escalation" button carrying the finding."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from commands.kpi.filters import describe_filters
from commands.kpi.formatting import format_percent, format_value
from commands.kpi.grammar import Period
from commands.kpi.rootcause_describe import RootCause
from commands.kpi.views import period_text
from commands.kpi.why import WhyFinding
from commands.mrkdwn import clip, clip_mrkdwn, escape_clip

ESCALATION_ACTION = "escalation_from_finding"
BUTTON_VALUE = 2000


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _period_token(period: Period) -> str:
    """Name a period as the user would type it: a day, an ISO week `wNN`, or a range."""
    if period.start == period.end:
        return period.start.isoformat()
    _, week, weekday = period.start.isocalendar()
    if weekday == 1 and period.days == 7:
        return f"w{week}"
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def comparison_phrase(finding: WhyFinding) -> str:
    """Say what the KPI is compared with: the seasonal baseline or the `vs` period."""
    request = finding.request
    if finding.baseline == "seasonal":
        if request.period.days == 1:
            weekday = _WEEKDAYS[request.period.start.weekday()]
            return f"vs a usual {weekday} (median of the previous {finding.weeks})"
        return f"vs usual (same-weekday median of the previous {finding.weeks} weeks)"
    phrase = f"vs {_period_token(request.compare)}"
    if request.compare.days != request.period.days:
        phrase += f" (scaled to {request.period.days} days)"
    return phrase


def _nothing_found(finding: WhyFinding) -> str:
    localisation = finding.localisation
    if localisation is None or localisation.noise_only:
        return " Nothing stands out: the change is within the data's normal noise."
    if localisation.even_rest is not None:
        return " No single slice stands out: the whole KPI moved about evenly."
    checked = ", ".join(_elements_of(c.elements) for c in localisation.checked[:3])
    tail = (
        f" Largest slices checked: {checked}; none stood out from its own noise." if checked else ""
    )
    return " No single slice stands out; the change is spread thinly across the data." + tail


def _elements_of(elements: Mapping[str, str]) -> str:
    return " × ".join(f"{k}:{v}" for k, v in sorted(elements.items()))


def _elements(cause: RootCause) -> str:
    return _elements_of(cause.elements)


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
    if finding.value is None or finding.previous is None:
        return f"{kpi.label}: not enough data in both periods to compare."
    move = (
        format_percent(finding.value, finding.previous)
        if kpi.unit != "percent"
        else f"{(finding.value - finding.previous) * 100:+.1f} pp"
    )
    head = f"{kpi.label} {move} {comparison_phrase(finding)}."
    localisation = finding.localisation
    causes = localisation.root_causes if localisation else ()
    if not causes or localisation is None:
        return head + _nothing_found(finding)
    top = causes[0]
    share = max(0.0, min(top.share, 1.0))
    rest = (
        "the rest is spread thinly"
        if len(causes) == 1
        else f"also {', '.join(_elements(c) for c in causes[1:3])}"
    )
    explained = max(0.0, min(localisation.explained, 1.0))
    return (
        f"{head} {share:.0%} of the change comes from {_elements(top)} "
        f"({_cause_numbers(finding, top)}); {rest}. Together the causes found explain "
        f"{explained:.0%} of the change (confidence {localisation.confidence:.0%})."
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


def _finding_description(finding: WhyFinding, sentence: str, causes: tuple[RootCause, ...]) -> str:
    """Return the finding as plain text for the escalation form: what, when, where, causes."""
    where = " ".join(f"{k}:{','.join(vs)}" for k, vs in finding.filters.items()) or "whole team"
    lines = [sentence, "", f"Period: {period_text(finding.request.period)} · {where}"]
    lines += [
        f"{rank}. {_elements(cause)}: {cause.share:.0%} of the change; "
        f"{_cause_numbers(finding, cause)}"
        for rank, cause in enumerate(causes, start=1)
    ]
    return "\n".join(lines)


def _escalation_actions(
    finding: WhyFinding, sentence: str, causes: tuple[RootCause, ...]
) -> dict[str, Any]:
    """Return the "Open escalation" button, carrying title, description and vendor."""
    vendor = next((c.elements.get("vendor") for c in causes if "vendor" in c.elements), None)
    if vendor is None and len(finding.filters.get("vendor", ())) == 1:
        vendor = finding.filters["vendor"][0]
    title = clip(f"{finding.kpi.label} change: {_elements(causes[0])}", 150)
    description = _finding_description(finding, sentence, causes)
    button = {
        "type": "button",
        "action_id": ESCALATION_ACTION,
        "text": {"type": "plain_text", "text": "Open escalation"},
        "value": _finding_value(title, description, vendor),
    }
    return {"type": "actions", "block_id": "kpi_finding", "elements": [button]}


def render_finding(finding: WhyFinding) -> dict[str, Any]:
    """Build the answer with a ranked table of causes and an "Open escalation" button."""
    sentence = finding_sentence(finding)
    request = finding.request
    against = (
        f"the same weekdays of the previous {finding.weeks} weeks (median)"
        if finding.baseline == "seasonal"
        else period_text(request.compare)
    )
    context = f"{period_text(request.period)} vs {against} · {describe_filters(finding.filters)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape_clip(sentence, 2990)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(context, 2900)}]},
    ]
    causes = finding.localisation.root_causes if finding.localisation else ()
    checked = finding.localisation.checked if finding.localisation else ()
    if not causes and checked:
        lines = [f"{'slice':<40}{'actual':>12}{'expected':>12}  why not"]
        flip = finding.kpi.is_ratio and finding.kpi.one_minus
        for item in checked:
            actual, expected = (
                (1 - item.actual, 1 - item.expected) if flip else (item.actual, item.expected)
            )
            lines.append(
                f"{clip(_elements_of(item.elements), 39):<40}"
                f"{format_value(finding.kpi, actual):>12}"
                f"{format_value(finding.kpi, expected):>12}  {item.reason}"
            )
        text = "```\n" + "\n".join(lines) + "\n```"
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": escape_clip(text, 2990)}}
        )
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
        blocks.append(_escalation_actions(finding, sentence, causes))
    return {
        "response_type": "in_channel",
        "replace_original": False,
        "text": escape_clip(sentence, 3000),
        "blocks": blocks,
    }
