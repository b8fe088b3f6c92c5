"""Block Kit for the weekly team summary (within Block Kit's limits)."""

from __future__ import annotations

from typing import Any

from commands.checkins.digest_view import section_text
from commands.digest import DigestSection, DigestWindow
from commands.mrkdwn import escape, escape_clip

MAX_BLOCKS = 50


def render_summary(*, window: DigestWindow, sections: list[DigestSection]) -> dict[str, Any]:
    """Return `text` and `blocks` for the team summary."""
    period = f"{window.start:%a %d %b} – {window.end:%a %d %b %Y} ({window.timezone})"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly team summary"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(period)}]},
    ]
    for section in sections[: (MAX_BLOCKS - 2) // 2]:
        blocks.append({"type": "divider"})
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": section_text(section)}}
        )
    titles = ", ".join(s.title for s in sections) or "nothing to report"
    text = escape_clip(f"Weekly team summary ({period}): {titles}", 3000)
    return {"text": text, "blocks": blocks}
