"""Messages for vendor commands and the unknown-vendor answer. Builders only, no queries."""

from __future__ import annotations

import json
from typing import Any

from commands.mrkdwn import clip, escape
from commands.vendors.service import UnknownVendor, VendorListing, suggest_slug
from storage.vendors import Vendor

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
        line += f" · owner <@{v.owner_id}>" if v.owner_id else " · no owner"
        if item.aliases:
            line += " · also " + ", ".join(f"“{escape(a)}”" for a in item.aliases)
        lines.append(line)
    return {"response_type": "ephemeral", "text": clip("\n".join(lines), MAX_TEXT)}


def render_note(text: str) -> dict[str, Any]:
    """Return a short ephemeral answer (text already escaped)."""
    return {"response_type": "ephemeral", "text": clip(text, MAX_TEXT)}


def render_added(vendor: Vendor) -> dict[str, Any]:
    """Return the answer to `vendor add`."""
    return render_note(
        f"Vendor `{escape(vendor.slug)}` added as *{escape(vendor.name)}* "
        f"({escape(vendor.timezone)})."
    )


def render_renamed(vendor: Vendor) -> dict[str, Any]:
    """Return the answer to `vendor rename`."""
    return render_note(f"Vendor `{escape(vendor.slug)}` is now called *{escape(vendor.name)}*.")


def render_aliased(vendor: Vendor, alias: str) -> dict[str, Any]:
    """Return the answer to `vendor alias`."""
    return render_note(f"“{escape(alias)}” now names vendor `{escape(vendor.slug)}`.")


def render_bound(vendor: Vendor, channel_id: str, previous: str | None) -> dict[str, Any]:
    """Return the answer to `vendor bind`, naming the channel it was bound to before."""
    answer = (
        f"<#{channel_id}> is now bound to vendor *{escape(vendor.name)}*: it shows "
        f"{escape(vendor.name)}'s data only. Undo with "
        f"`/opsbot vendor unbind {escape(vendor.slug)}`."
    )
    if previous:
        answer += f" (It was bound to <#{previous}> before.)"
    return render_note(answer)


def render_owner(vendor: Vendor, previous: str | None) -> dict[str, Any]:
    """Return the answer to `vendor owner`, naming who owned the vendor before."""
    name, slug = escape(vendor.name), escape(vendor.slug)
    if vendor.owner_id is None:
        answer = f"Vendor *{name}* has no owner now"
        answer += f" (it was <@{previous}>)." if previous else "."
        answer += " Its rules' action items go to whoever added the rule."
        return render_note(answer)
    answer = (
        f"<@{vendor.owner_id}> now owns vendor *{name}*: what its rules open goes to them. "
        f"Clear it with `/opsbot vendor owner {slug} none`."
    )
    if previous and previous != vendor.owner_id:
        answer += f" (It was <@{previous}> before.)"
    return render_note(answer)


def render_unbound(vendor: Vendor, channel: str | None) -> dict[str, Any]:
    """Return the answer to `vendor unbind`."""
    return render_note(
        f"<#{channel}> is no longer bound to vendor *{escape(vendor.name)}*."
        if channel
        else f"Vendor *{escape(vendor.name)}* had no bound channel."
    )


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
