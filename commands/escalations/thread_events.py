"""The "Send to the tracker" shortcut and the thread events of an escalation."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from commands.escalations.changes import (
    comment_from_reply,
    comment_from_thread,
    is_thread_reply,
    keep_reply,
    kept_reply,
)
from commands.escalations.payloads import acting_user as _user
from commands.escalations.service import EscalationDesk
from commands.permissions import Permissions
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker


async def comment_from_message(
    ack: AsyncAck,
    shortcut: dict[str, Any],
    sessions: SessionFactory,
    escalations: EscalationDesk,
    directory: SlackDirectory,
    permissions: Permissions,
) -> None:
    """Message shortcut "Send to the tracker": a thread reply becomes an issue comment."""
    await ack()
    message = shortcut.get("message") or {}
    channel_id = str((shortcut.get("channel") or {}).get("id"))
    actor = await permissions.actor(sessions, user_id=_user(shortcut)[0], channel_id=channel_id)
    writer = message.get("user")
    author = await directory.display_name(str(writer)) if writer else "someone"
    await escalations.run(
        sessions,
        lambda session: comment_from_thread(
            session=session,
            desk=escalations,
            actor=actor,
            thread_ts=message.get("thread_ts"),
            ts=message.get("ts"),
            author=author,
            text=str(message.get("text") or ""),
        ),
    )


async def in_escalation_thread(event: dict[str, Any], sessions: SessionFactory) -> bool:
    """Match plain replies in an escalation's thread (other listeners get everything else)."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if event.get("subtype") or not thread_ts or thread_ts == ts:
        return False
    channel_id = str(event.get("channel"))
    return await in_worker(
        sessions,
        lambda session: is_thread_reply(session, channel_id=channel_id, thread_ts=str(thread_ts)),
    )


async def keep_thread_reply(event: dict[str, Any], sessions: SessionFactory) -> None:
    """Keep a reply so that a 📝 reaction can later send it to the tracker."""
    await in_worker(
        sessions,
        lambda session: keep_reply(
            session,
            channel_id=str(event["channel"]),
            thread_ts=str(event["thread_ts"]),
            ts=str(event["ts"]),
            user_id=event.get("user"),
            text=str(event.get("text") or ""),
        ),
    )


async def is_memo_reaction(event: dict[str, Any]) -> bool:
    """Match 📝 reactions on messages."""
    return event.get("reaction") == "memo" and (event.get("item") or {}).get("type") == "message"


async def memo_reaction(
    event: dict[str, Any],
    sessions: SessionFactory,
    escalations: EscalationDesk,
    directory: SlackDirectory,
    permissions: Permissions,
) -> None:
    """📝 on a kept thread reply sends it to the tracker as a comment, once."""
    item = event.get("item") or {}
    reply = await in_worker(
        sessions,
        lambda session: kept_reply(
            session, channel_id=str(item.get("channel")), ts=str(item.get("ts"))
        ),
    )
    if reply is None:
        return
    actor = await permissions.actor(
        sessions, user_id=str(event.get("user")), channel_id=reply.channel_id
    )
    author = await directory.display_name(reply.user_id) if reply.user_id else "someone"
    await escalations.run(
        sessions,
        lambda session: comment_from_reply(
            session=session, desk=escalations, actor=actor, reply=reply, author=author
        ),
    )
