"""Messages for vendor commands and the unknown-vendor answer. Builders only, no queries."""

from __future__ import annotations

import json
from typing import Any

from commands.mrkdwn import clip, escape
from commands.vendors.service import UnknownVendor, VendorListing, suggest_slug

ADD_AND_CONTINUE_ACTION = "vendor_add_and_continue"
MAX_TEXT = 3000


def render_listing(listings: list[VendorListing]) -> dict[str, Any]:
    """Return the ephemeral `/opsbot vendor list` answer."""
    if not listings:
        return {
            "response_type": "ephemeral",
            "text": "No vendors yet. KPI imports add the vendors in the data; "
            "an admin can add one with `/opsbot vendor add SLUG`.",
        }
    lines = ["*Vendors*"]
    for item in listings:
        v = item.vendor
        line = f"`{escape(v.slug)}` {escape(v.name)} · {escape(v.timezone)}"
        if v.channel_id:
            line += f" · bound to <#{v.channel_id}>"
        if item.aliases:
            line += " · also " + ", ".join(f"“{escape(a)}”" for a in item.aliases)
        lines.append(line)
    return {"response_type": "ephemeral", "text": clip("\n".join(lines), MAX_TEXT)}


def render_note(text: str) -> dict[str, Any]:
    """Return a short ephemeral answer (text already escaped)."""
    return {"response_type": "ephemeral", "text": clip(text, MAX_TEXT)}


def unknown_vendor_blocks(error: UnknownVendor, command: str, text: str) -> list[dict[str, Any]]:
    """Return the answer's blocks with a button that adds the vendor and re-runs the command."""
    slug = suggest_slug(error.typed)
    value = json.dumps({"slug": slug, "name": error.typed, "command": command, "text": text})
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(error.user_message, MAX_TEXT)}}
    ]
    if len(value) <= 2000 and error.addable:
        blocks.append(
            {
                "type": "actions",
                "block_id": "vendor_unknown",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ADD_AND_CONTINUE_ACTION,
                        "text": {
                            "type": "plain_text",
                            "text": clip(f"Add vendor {slug} and carry on", 75),
                        },
                        "style": "primary",
                        "value": value,
                    }
                ],
            }
        )
    return blocks
