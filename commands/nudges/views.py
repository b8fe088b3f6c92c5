"""The nudge message: what is stale, for how long, and what to do about it."""

from __future__ import annotations

from typing import Any

from commands.mrkdwn import escape, escape_clip
from commands.nudges.service import Nudge

_WHAT_TO_DO = {
    "sev1_unassigned": "Assign it: `/escalation {key} assign @someone`.",
    "sev1_silent": "Post an update: `/escalation {key} comment …`.",
    "sev2_silent": "Post an update: `/escalation {key} comment …`.",
    "initiative_stale": "Add a progress note: `/initiative {key} update …`.",
}


def nudge_message(nudge: Nudge) -> dict[str, Any]:
    """Return the DM or thread post for one nudge (user text escaped, fallback included)."""
    key = escape(nudge.key)
    head = f"⏰ *{key}* {escape_clip(nudge.title, 200)}: {escape(nudge.why)}."
    hint = _WHAT_TO_DO[nudge.rule].format(key=key)
    return {
        "text": f"⏰ {key} {escape_clip(nudge.title, 200)}: {escape(nudge.why)}.",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": head}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]},
        ],
    }
