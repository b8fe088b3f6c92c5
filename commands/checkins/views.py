"""Block Kit for `/checkin` answers: the schedule list and confirmations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.checkins.service import ScheduleSummary
from commands.mrkdwn import clip_mrkdwn, escape
from storage.checkins import CheckinSchedule
from storage.vendors import Vendor

MAX_TEXT = 3000


def utc_offset(local: datetime) -> str:
    """Return `UTC+08:00`, `UTC−05:00` or `UTC`: abbreviations like PST are ambiguous."""
    offset = local.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _when(instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %H:%M} {utc_offset(local)}"


def schedule_line(summary: ScheduleSummary, *, viewer_zone: str) -> str:
    """Return one list line: id, vendor, channel, schedule, next run in both zones, health."""
    s = summary.schedule
    parts = [
        f"`#{s.id}` *{escape(summary.vendor.name)}* in <#{s.channel_id}>",
        escape(summary.recurrence.describe()),
    ]
    if s.paused:
        parts.append(":double_vertical_bar: paused")
    elif summary.next_fire is not None:
        vendor_time = _when(summary.next_fire, s.timezone)
        viewer_time = _when(summary.next_fire, viewer_zone)
        same = vendor_time == viewer_time or viewer_zone == s.timezone
        parts.append(f"next {viewer_time}" + ("" if same else f" (vendor time {vendor_time})"))
    if summary.last_run is not None:
        run = summary.last_run
        parts.append(f"last {run.status} ({_when(run.fire_time, viewer_zone)})")
    if summary.missed:
        parts.append(f":warning: {summary.missed} missed")
    if summary.failed:
        parts.append(f":x: {summary.failed} failed")
    return " · ".join(parts)


def render_schedule_list(summaries: list[ScheduleSummary], *, viewer_zone: str) -> dict[str, Any]:
    """Return the ephemeral `/checkin list` answer."""
    if not summaries:
        return {
            "response_type": "ephemeral",
            "text": "No check-ins scheduled here. Add one with `/checkin add`.",
        }
    lines: list[str] = []
    used = 0
    for summary in summaries:
        line = schedule_line(summary, viewer_zone=viewer_zone)
        if used + len(line) > MAX_TEXT - 60:
            lines.append(f"_and {len(summaries) - len(lines)} more_")
            break
        lines.append(line)
        used += len(line) + 1
    text = "\n".join(lines)
    header = f"*Vendor check-ins* (times in your zone, {escape(viewer_zone)})"
    return {
        "response_type": "ephemeral",
        "text": clip_mrkdwn(f"{header}\n{text}", MAX_TEXT),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": header}},
            {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, MAX_TEXT)}},
        ],
    }


def render_saved(
    schedule: CheckinSchedule,
    vendor: Vendor,
    *,
    verb: str,
    next_fire: datetime | None,
    vendor_note: str | None = None,
    bound: bool = False,
    typed_name: str = "",
) -> dict[str, Any]:
    """Confirm an added or edited schedule, saying what changed about the vendor and channel."""
    when = f" Next run {_when(next_fire, schedule.timezone)}." if next_fire else ""
    lines = [
        f"Check-in `#{schedule.id}` for *{escape(vendor.name)}* {verb}: posts in "
        f"<#{schedule.channel_id}> {escape(schedule.spec.partition(':')[2])} "
        f"({escape(schedule.timezone)}).{when}"
    ]
    slug = escape(vendor.slug)
    if vendor_note == "new":
        lines.append(f"New vendor `{slug}` added as *{escape(vendor.name)}*.")
    elif vendor_note == "named":
        lines.append(f"Vendor `{slug}` (from the KPI data) is now called *{escape(vendor.name)}*.")
    elif vendor_note == "alias":
        lines.append(f"“{escape(typed_name)}” now also names vendor `{slug}`.")
    if bound:
        lines.append(
            f"<#{schedule.channel_id}> is now bound to *{escape(vendor.name)}*: there, commands "
            f"show {escape(vendor.name)}'s data only. Undo with `/opsbot vendor unbind {slug}` "
            "(or add with `bind:no` next time)."
        )
    return {"response_type": "ephemeral", "text": clip_mrkdwn("\n".join(lines), MAX_TEXT)}


def render_note(text: str) -> dict[str, Any]:
    """Return a short ephemeral answer (text already escaped)."""
    return {"response_type": "ephemeral", "text": clip_mrkdwn(text, MAX_TEXT)}


def render_paused(schedule_id: int | None, verb: str) -> dict[str, Any]:
    """Return the answer to `pause` or `resume`."""
    return render_note(f"Check-in `#{schedule_id}` {verb}d.")


def render_removed(schedule_id: int | None) -> dict[str, Any]:
    """Return the answer to `remove`."""
    return render_note(f"Check-in `#{schedule_id}` removed.")


def render_posting(vendor_name: str, channel_id: str) -> dict[str, Any]:
    """Return the answer to `run`, given before the digest is posted."""
    return render_note(f"Posting the {escape(vendor_name)} digest to <#{channel_id}> now.")


def render_topic_added(vendor_name: str) -> dict[str, Any]:
    """Return the answer to `topic`."""
    return render_note(f"Added to the next {escape(vendor_name)} check-in.")
