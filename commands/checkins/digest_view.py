"""Render a vendor digest from its sections, within Block Kit's limits."""

from __future__ import annotations

from typing import Any

from commands.digest import DigestSection, DigestWindow
from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_LINES = 15  # per section; the rest is summarised as "and N more"
_HEADER_TEXT = 150  # header blocks take plain text up to 150 characters


def render_digest(
    *, vendor_name: str, window: DigestWindow, sections: list[DigestSection], preview: bool = False
) -> dict[str, Any]:
    """Return `text` (notification fallback) and `blocks` for one digest."""
    title = f"Check-in digest: {vendor_name}"
    period = f"{window.start:%a %d %b} – {window.end:%a %d %b %Y} ({window.timezone})"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, _HEADER_TEXT)}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": ("*Preview* · " if preview else "") + escape(period),
                }
            ],
        },
    ]
    visible = [s for s in sorted(sections, key=lambda s: s.order) if s.lines or s.empty_text]
    # Each section takes a divider and a section block; keep one slot for the overflow note.
    room = (MAX_BLOCKS - len(blocks) - 1) // 2
    for section in visible[:room]:
        blocks.append({"type": "divider"})
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": section_text(section)}}
        )
    if len(visible) > room:
        hidden = ", ".join(escape(s.title) for s in visible[room:])
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": clip_mrkdwn(f"Not shown: {hidden}", MAX_TEXT)}
                ],
            }
        )
    if not visible:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "_Nothing to report._"}}
        )
    summary = ", ".join(s.title for s in visible) or "nothing to report"
    return {"text": escape_clip(f"{title} ({period}): {summary}", MAX_TEXT), "blocks": blocks}


def section_text(section: DigestSection) -> str:
    """Return a section's mrkdwn: bold title, lines, and "and N more" when truncated."""
    head = f"*{escape(section.title)}*"
    if not section.lines:
        return clip_mrkdwn(f"{head}\n{section.empty_text or ''}", MAX_TEXT)
    total = max(section.total_items, len(section.lines))
    shown: list[str] = []
    used = len(head)
    reserve = 80 + len(section.more_link or "")
    for line in section.lines[:MAX_LINES]:
        if used + len(line) + 1 > MAX_TEXT - reserve:
            break
        shown.append(line)
        used += len(line) + 1
    if not shown:
        shown = [clip_mrkdwn(section.lines[0], MAX_TEXT - reserve - len(head))]
    text = "\n".join([head, *shown])
    more = total - len(shown)
    if more > 0:
        tail = f"_and {more} more_"
        if section.more_link:
            tail = f"<{section.more_link}|and {more} more>"
        text += "\n" + tail
    return text
