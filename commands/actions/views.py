"""Block Kit for action items: one line per item, lists, confirmations and reminders."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.mrkdwn import clip_mrkdwn, escape, escape_clip
from storage.actions import ActionItem

MAX_TEXT = 3000


def action_line(item: ActionItem, *, today: date) -> str:
    """Return one mrkdwn line: id, owner, text, due day, overdue marker, links."""
    refs = [r for r in (item.vendor_slug, item.escalation_key, item.initiative_key) if r]
    ref_text = f" [{escape(', '.join(refs))}]" if refs else ""
    if item.done_at is not None:
        due = "done"
    elif item.due < today:
        due = f":warning: *overdue* since {item.due:%a %d %b}"
    elif item.due == today:
        due = "due *today*"
    else:
        due = f"due {item.due:%a %d %b}"
    return f"• `#{item.id}` <@{item.owner_id}> {escape_clip(item.text, 300)} — {due}{ref_text}"


def render_action_list(items: list[ActionItem], *, today: date, title: str) -> dict[str, Any]:
    """Return an ephemeral list of items (or a friendly empty answer)."""
    if not items:
        return {"response_type": "ephemeral", "text": f"{escape(title)}: nothing open."}
    lines: list[str] = []
    used = len(title) + 10
    for item in items:
        line = action_line(item, today=today)
        if used + len(line) + 1 > MAX_TEXT - 40:
            lines.append(f"_and {len(items) - len(lines)} more_")
            break
        lines.append(line)
        used += len(line) + 1
    text = f"*{escape(title)}*\n" + "\n".join(lines)
    return {
        "response_type": "ephemeral",
        "text": clip_mrkdwn(text, MAX_TEXT),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, MAX_TEXT)}}
        ],
    }


def render_added(item: ActionItem) -> dict[str, Any]:
    """Confirm a new item in the channel, so the owner sees it."""
    text = (
        f"Action `#{item.id}` for <@{item.owner_id}>: {escape_clip(item.text, 500)} "
        f"(due {item.due:%a %d %b %Y})"
    )
    return {"response_type": "in_channel", "text": text}


def render_done(item: ActionItem) -> dict[str, Any]:
    """Confirm an item is done."""
    return {
        "response_type": "ephemeral",
        "text": f"Done: `#{item.id}` {escape_clip(item.text, 500)}",
    }


def reminder_text(item: ActionItem, *, kind: str, today: date) -> str:
    """Return the DM for a due-today or overdue reminder."""
    if kind == "due":
        lead = "Reminder: this action item is due today"
    else:
        lead = f"Nudge: this action item was due {item.due:%a %d %b} and is still open"
    return f"{lead}:\n{action_line(item, today=today)}\nClose it with `/action done {item.id}`."


def render_closed_for_owner(item: ActionItem, *, closed_by: str) -> dict[str, Any]:
    """Tell an item's owner that someone else (an admin) marked it done."""
    return {
        "text": (
            f"<@{closed_by}> marked your action `#{item.id}` done: {escape_clip(item.text, 500)}"
        )
    }
