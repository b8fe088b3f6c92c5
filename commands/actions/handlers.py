"""`/action` handlers: parse, call the service, answer."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from commands.actions.service import (
    ACTION_USAGE,
    add_action_item,
    complete_action_item,
    list_action_items,
)
from commands.actions.views import (
    render_action_list,
    render_added,
    render_closed_for_owner,
    render_done,
)
from commands.errors import UsageError
from commands.mrkdwn import escape_clip
from commands.permissions import Permissions, require
from commands.slash_request import Clock, team_today
from commands.slash_text import parse_mention, parse_text
from integrations.slack_directory import SlackDirectory


async def handle_action(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    directory: SlackDirectory,
    clock: Clock,
    client: Any,
    background: Any,
    permissions: Permissions,
) -> None:
    """Answer `/action add|list|done`."""
    parsed = parse_text(command.get("text", ""))
    verb = parsed.words[0].lower() if parsed.words else "list"
    rest = parsed.words[1:]
    user_id = str(command["user_id"])
    actor = await permissions.actor(db, user_id=user_id, channel_id=command.get("channel_id"))
    scope = actor.scope
    today = team_today(clock, settings.opsbot_timezone)
    if verb == "add":
        require(actor, "actions", "add")
        if not rest:
            raise UsageError("Name the owner, e.g. `@maria`.", usage=ACTION_USAGE)
        owner_id = await _owner(rest[0], directory)
        if "due" not in parsed.options:
            raise UsageError("Give a due day with `due:`.", usage=ACTION_USAGE)
        item = add_action_item(
            session=db,
            scope=scope,
            owner_id=owner_id,
            text=" ".join(rest[1:]),
            due_text=parsed.options["due"],
            today=today,
            created_by=user_id,
            channel_id=command.get("channel_id"),
            vendor_text=parsed.options.get("vendor"),
            escalation_key=parsed.options.get("esc"),
            initiative_key=parsed.options.get("init"),
        )
        await ack(**render_added(item))
    elif verb == "list":
        require(actor, "actions", "list")
        title, items = list_action_items(
            session=db,
            scope=scope,
            user_id=user_id,
            today=today,
            mode=rest[0].lower() if rest else None,
            vendor_text=parsed.options.get("vendor"),
        )
        await ack(**render_action_list(items, today=today, title=title))
    elif verb == "done":
        if not rest:
            raise UsageError("Give the item's number.", usage=ACTION_USAGE)
        item = complete_action_item(session=db, actor=actor, action_id_text=rest[0], now=clock())
        await ack(**render_done(item))
        if item.owner_id != user_id:  # an admin closed someone else's item: tell its owner
            notice = render_closed_for_owner(item, closed_by=user_id)

            async def tell_owner(_session: Session) -> None:
                await client.chat_postMessage(channel=item.owner_id, **notice)

            background.spawn("action.done.notice", tell_owner)
    else:
        raise UsageError(
            f"`/action {escape_clip(verb, 40)}` is not a command I know.", usage=ACTION_USAGE
        )


async def _owner(token: str, directory: SlackDirectory) -> str:
    mention = parse_mention(token)
    if mention is None or mention.kind != "user":
        raise UsageError(
            f"`{escape_clip(token, 40)}` is not a person; mention them like @maria.",
            usage=ACTION_USAGE,
        )
    if mention.id:
        return mention.id
    return await directory.find_user(mention.name or "")
