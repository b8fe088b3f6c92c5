"""`/opsbot vendor …` and the "Add vendor and carry on" button: parse, check, call, answer."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

from commands.mrkdwn import clip, escape
from commands.permissions import Actor, Permissions
from commands.vendors import service
from commands.vendors.parsing import VendorCommand, parse_vendor_command
from commands.vendors.views import (
    render_added,
    render_aliased,
    render_bound,
    render_listing,
    render_note,
    render_owner,
    render_renamed,
    render_unbound,
)
from integrations.errors import UsageError
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker

# The app's `rerun_command(command=, text=, user_id=, channel_id=, team_id=, user_name=)`: a
# slash command run again through the front door; it returns the ack.
RerunCommand = Callable[..., Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class VendorCall:
    """One `/opsbot vendor` command with what its verb may need."""

    request: VendorCommand
    actor: Actor  # who asks; the service checks each change against the permissions matrix
    channel_id: str  # where the command was typed (`bind` without a channel binds it)
    sessions: SessionFactory
    directory: SlackDirectory

    async def run(self, work: Callable[[Session], Any]) -> Any:
        """Run `work` in a unit of work on a worker thread."""
        return await in_worker(self.sessions, work)


async def handle_vendor_command(
    ack: AsyncAck,
    command: dict[str, Any],
    *,
    sessions: SessionFactory,
    permissions: Permissions,
    directory: SlackDirectory,
) -> None:
    """Answer `/opsbot vendor …` (changes admins only), forwarded by the help family."""
    # Drop the leading `vendor` word; the rest keeps its quotes for the parser.
    request = parse_vendor_command(re.sub(r"^\s*\S+", "", str(command.get("text") or ""), count=1))
    channel_id = str(command.get("channel_id") or "")
    actor = await permissions.actor(
        sessions, user_id=str(command["user_id"]), channel_id=channel_id or None
    )
    call = VendorCall(request, actor, channel_id, sessions, directory)
    await ack(**await _VERBS[request.verb](call))


async def _list(call: VendorCall) -> dict[str, Any]:
    channel = call.channel_id
    listing = await call.run(lambda session: service.vendor_listing(session, channel_id=channel))
    return render_listing(listing)


async def _add(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    vendor = await call.run(
        lambda session: service.add_vendor(
            session, actor=actor, slug=r.vendor, name=r.argument or None, timezone=r.timezone
        )
    )
    return render_added(vendor)


async def _rename(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    vendor = await call.run(
        lambda session: service.rename_vendor(
            session, actor=actor, vendor_text=r.vendor, name=r.argument
        )
    )
    return render_renamed(vendor)


async def _alias(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    vendor = await call.run(
        lambda session: service.add_alias(
            session, actor=actor, vendor_text=r.vendor, alias=r.argument
        )
    )
    return render_aliased(vendor, r.argument)


async def _check_first(call: VendorCall, change: str) -> None:
    """Refuse, or name an unknown vendor, before a channel or person is looked up."""
    r, actor = call.request, call.actor
    await call.run(
        lambda session: service.vendor_to_change(
            session, actor=actor, change=change, vendor_text=r.vendor
        )
    )


async def _bind(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    channel_id = r.channel_id
    if channel_id is None and r.channel_name:
        await _check_first(call, "bind")
        channel_id = await call.directory.find_channel(r.channel_name)
    target = channel_id or call.channel_id
    vendor, previous = await call.run(
        lambda session: service.bind_channel(
            session, actor=actor, vendor_text=r.vendor, channel_id=target
        )
    )
    return render_bound(vendor, target, previous)


async def _unbind(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    vendor, channel = await call.run(
        lambda session: service.unbind_channel(session, actor=actor, vendor_text=r.vendor)
    )
    return render_unbound(vendor, channel)


async def _member(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    vendor = await call.run(
        lambda session: service.add_member(
            session, actor=actor, vendor_text=r.vendor, slack_id=r.argument
        )
    )
    name = escape(vendor.name)
    who = f"Team `{r.argument}`" if r.argument.startswith("T") else f"<@{r.argument}>"
    return render_note(
        f"{who} now belongs to vendor *{name}*: their App Home shows {name}'s data only."
    )


async def _owner(call: VendorCall) -> dict[str, Any]:
    r, actor = call.request, call.actor
    owner_id = r.argument or None
    if r.user_name:
        await _check_first(call, "owner")
        owner_id = await call.directory.find_user(r.user_name)
    vendor, previous = await call.run(
        lambda session: service.set_owner(
            session, actor=actor, vendor_text=r.vendor, owner_id=owner_id
        )
    )
    return render_owner(vendor, previous)


_VERBS: dict[str, Callable[[VendorCall], Awaitable[dict[str, Any]]]] = {
    "list": _list,
    "add": _add,
    "rename": _rename,
    "alias": _alias,
    "bind": _bind,
    "unbind": _unbind,
    "member": _member,
    "owner": _owner,
}


async def handle_add_and_continue(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    permissions: Permissions,
    sessions: SessionFactory,
    rerun_command: RerunCommand,
) -> None:
    """Add the vendor an admin's command named, then run that command again."""
    await ack()
    value = _button_value(body)
    user_id = str((body.get("user") or {}).get("id") or "")
    channel_id = str((body.get("channel") or {}).get("id") or "")
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=channel_id or None)
    slug, name = str(value.get("slug") or ""), str(value.get("name") or "")
    # Committed before the command runs again: it opens a session of its own.
    await in_worker(
        sessions,
        lambda session: service.add_unless_known(session, actor=actor, slug=slug, name=name),
    )
    await respond(
        text=f"Vendor `{escape(slug)}` added. Carrying on with your command…",
        response_type="ephemeral",
        replace_original=True,
    )
    command, text = str(value.get("command") or ""), str(value.get("text") or "")
    if not command.startswith("/"):
        return
    answer = await rerun_command(
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


def _button_value(body: dict[str, Any]) -> dict[str, Any]:
    action = (body.get("actions") or [{}])[0]
    try:
        value = json.loads(str(action.get("value") or "{}"))
    except ValueError:
        raise UsageError("That button is broken; run the command again.") from None
    return value if isinstance(value, dict) else {}
