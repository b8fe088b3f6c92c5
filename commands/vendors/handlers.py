"""`/opsbot vendor …` and the "Add vendor and carry on" button: parse, check, call, answer."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session

from commands.authz import AdminPolicy
from commands.mrkdwn import clip, escape
from commands.vendors import service
from commands.vendors.parsing import (
    ADMIN_VERBS,
    VENDOR_USAGE,
    VendorCommand,
    parse_vendor_command,
)
from commands.vendors.views import render_listing, render_note
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker
from storage.surfaces import MEMBER_TEAM, MEMBER_USER, bind_member
from storage.vendors import vendor_by_slug_or_name

_ACTIONS = {
    "add": "add vendors",
    "rename": "rename vendors",
    "alias": "add vendor aliases",
    "bind": "bind channels to vendors",
    "unbind": "unbind vendor channels",
    "member": "map people to vendors",
}


async def handle_vendor_command(ack: Any, command: dict[str, Any], context: Any) -> None:
    """Answer `/opsbot vendor …` (changes admins only), forwarded by the help family."""
    # Drop the leading `vendor` word; the rest keeps its quotes for the parser.
    request = parse_vendor_command(re.sub(r"^\s*\S+", "", str(command.get("text") or ""), count=1))
    user_id = str(command["user_id"])
    admins: AdminPolicy = context["admins"]
    if request.verb in ADMIN_VERBS:
        await admins.require_admin(user_id, action=_ACTIONS[request.verb])
    if request.verb == "member":
        await ack(**render_note(await _bind_member(context["sessions"], request)))
        return
    db = context["db"]
    if request.verb == "list":
        await ack(**render_listing(service.vendor_listing(db)))
        return
    if request.verb == "add":
        vendor = service.add_vendor(
            db, slug=request.vendor, name=request.argument or None, timezone=request.timezone
        )
        answer = (
            f"Vendor `{escape(vendor.slug)}` added as *{escape(vendor.name)}* "
            f"({escape(vendor.timezone)})."
        )
    elif request.verb == "rename":
        vendor = service.rename_vendor(db, vendor_text=request.vendor, name=request.argument)
        answer = f"Vendor `{escape(vendor.slug)}` is now called *{escape(vendor.name)}*."
    elif request.verb == "alias":
        vendor = service.add_alias(db, vendor_text=request.vendor, alias=request.argument)
        answer = f"“{escape(request.argument)}” now names vendor `{escape(vendor.slug)}`."
    elif request.verb == "bind":
        vendor = service.require_vendor(db, request.vendor)
        channel_id = request.channel_id
        if channel_id is None and request.channel_name:
            channel_id = await context["directory"].find_channel(request.channel_name)
        channel_id = channel_id or str(command.get("channel_id") or "")
        if not channel_id:
            raise UsageError("Which channel?", usage="\n".join(VENDOR_USAGE))
        previous = service.bind_channel(db, vendor=vendor, channel_id=channel_id)
        answer = (
            f"<#{channel_id}> is now bound to vendor *{escape(vendor.name)}*: it shows "
            f"{escape(vendor.name)}'s data only. Undo with "
            f"`/opsbot vendor unbind {escape(vendor.slug)}`."
        )
        if previous:
            answer += f" (It was bound to <#{previous}> before.)"
    else:
        vendor, channel = service.unbind_channel(db, vendor_text=request.vendor)
        answer = (
            f"<#{channel}> is no longer bound to vendor *{escape(vendor.name)}*."
            if channel
            else f"Vendor *{escape(vendor.name)}* had no bound channel."
        )
    await ack(**render_note(answer))


async def _bind_member(sessions: SessionFactory, request: VendorCommand) -> str:
    kind = MEMBER_TEAM if request.argument.startswith("T") else MEMBER_USER

    def bind(session: Session) -> str:
        vendor = service.require_vendor(session, request.vendor)
        bind_member(session, vendor=vendor, kind=kind, slack_id=request.argument)
        return vendor.name

    name = escape(await in_worker(sessions, bind))
    who = f"<@{request.argument}>" if kind == MEMBER_USER else f"Team `{request.argument}`"
    return f"{who} now belongs to vendor *{name}*: their App Home shows {name}'s data only."


async def handle_add_and_continue(
    ack: Any, body: dict[str, Any], context: Any, respond: Any, admins: AdminPolicy
) -> None:
    """Add the vendor an admin's command named, then run that command again."""
    await ack()
    action = (body.get("actions") or [{}])[0]
    try:
        value = json.loads(str(action.get("value") or "{}"))
    except ValueError:
        raise UsageError("That button is broken; run the command again.") from None
    user_id = str((body.get("user") or {}).get("id") or "")
    await admins.require_admin(user_id, action="add vendors")
    db = context["db"]
    slug, name = str(value.get("slug") or ""), str(value.get("name") or "")
    if vendor_by_slug_or_name(db, name) is None:
        service.add_vendor(db, slug=slug, name=name if name.lower() != slug else None)
    db.commit()  # the command run next opens a session of its own
    await respond(
        text=f"Vendor `{escape(slug)}` added. Carrying on with your command…",
        response_type="ephemeral",
        replace_original=True,
    )
    command, text = str(value.get("command") or ""), str(value.get("text") or "")
    if not command.startswith("/"):
        return
    channel_id = str((body.get("channel") or {}).get("id") or "")
    answer = await context["rerun_command"](
        command=command,
        text=text,
        user_id=user_id,
        channel_id=channel_id,
        team_id=str((body.get("team") or {}).get("id") or ""),
        user_name=str((body.get("user") or {}).get("username") or ""),
    )
    if answer:
        answer.setdefault("response_type", "ephemeral")
        answer["text"] = clip(str(answer.get("text") or ""), 3000)
        await respond(replace_original=False, **answer)
