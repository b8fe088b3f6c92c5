"""Buttons, small modals, the comment shortcut and thread events of an escalation."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from commands.escalations.payloads import acting_user as _user
from commands.escalations.payloads import view_metadata as _metadata
from commands.escalations.service import (
    EscalationDesk,
    check_may_resolve,
    queue_change,
)
from commands.escalations.statuses import available_transitions, checked_status
from commands.escalations.views import text_modal
from integrations.errors import NotAllowed, NotFound, UsageError
from storage.escalations import (
    Escalation,
    escalation_by_id,
    escalation_by_message,
    remember_reply,
    reply_at,
)

NOT_A_THREAD = "That message is not in an escalation's thread."


def _from_button(db: Session, action: dict[str, Any]) -> Escalation:
    value = str(action.get("value") or "")
    escalation = escalation_by_id(db, int(value)) if value.isdigit() else None
    if escalation is None:
        raise NotFound("That escalation no longer exists.")
    return escalation


async def acknowledge(
    ack: Any, body: dict[str, Any], action: dict[str, Any], db: Session, escalations: EscalationDesk
) -> None:
    """Acknowledge: assign to whoever clicked and move a new escalation in progress."""
    await ack()
    escalation = _from_button(db, action)
    user_id, user_name = _user(body)
    base = {"author": user_name, "user": user_id, "channel": (body.get("channel") or {}).get("id")}
    trigger = body.get("trigger_id")
    queue_change(
        session=db,
        desk=escalations,
        escalation=escalation,
        kind="assign",
        payload={**base, "assignee": user_id},
        request_key=f"ack:{trigger}",
    )
    if escalation.status_category == "new":
        queue_change(
            session=db,
            desk=escalations,
            escalation=escalation,
            kind="transition",
            payload={**base, "status": "In Progress"},
            request_key=f"ack:{trigger}",
        )


_SMALL_MODALS = {
    "escalation_update_open": (
        "escalation_update",
        "Add update",
        "Update for the tracker",
        True,
        None,
    ),
    "escalation_status_open": (
        "escalation_status",
        "Change status",
        "New status",
        False,
        "e.g. In Progress, Done",
    ),
    "escalation_resolve_open": ("escalation_resolve", "Resolve", "Root cause", True, None),
}


async def open_small_modal(
    ack: Any,
    body: dict[str, Any],
    action: dict[str, Any],
    client: Any,
    db: Session,
    escalations: EscalationDesk,
    admins: Any,
) -> None:
    """Open the Add update / Change status / Resolve modal for the clicked escalation."""
    await ack()
    escalation = _from_button(db, action)
    callback_id, title, label, multiline, hint = _SMALL_MODALS[action["action_id"]]
    if callback_id == "escalation_resolve":
        await check_may_resolve(escalation=escalation, user_id=_user(body)[0], admins=admins)
    choices = None
    if callback_id == "escalation_status":
        available = await available_transitions(escalations, escalation)
        choices = sorted({t.to_status for t in available}) if available else None
    view = text_modal(
        callback_id=callback_id,
        title=title,
        label=label,
        escalation=escalation,
        multiline=multiline,
        hint=hint,
        choices=choices,
    )
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def submit_small_modal(
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    admins: Any,
) -> None:
    """Queue the update, status change or resolution typed into a small modal."""
    meta = _metadata(view)
    escalation = escalation_by_id(db, int(meta.get("escalation_id") or 0))
    field = (view["state"]["values"].get("value") or {}).get("value", {})
    chosen = (field.get("selected_option") or {}).get("value")  # the status select
    text = str(chosen or field.get("value") or "").strip()
    if escalation is None or not text:
        await ack(
            response_action="errors",
            errors={
                "value": "Type something first."
                if escalation
                else "That escalation no longer exists."
            },
        )
        return
    user_id, user_name = _user(body)
    base = {"author": user_name, "user": user_id, "channel": escalation.channel_id}
    callback = view["callback_id"]
    if callback == "escalation_resolve":
        try:
            await check_may_resolve(escalation=escalation, user_id=user_id, admins=admins)
        except NotAllowed as exc:
            await ack(response_action="errors", errors={"value": exc.user_message})
            return
        kind, payload = "resolve", {**base, "root_cause": text}
    elif callback == "escalation_status":
        try:  # a status typed where no select could be offered is checked too
            available = await available_transitions(escalations, escalation)
            text = checked_status(escalation, available, text)
        except UsageError as exc:
            await ack(response_action="errors", errors={"value": exc.user_message[:300]})
            return
        kind, payload = "transition", {**base, "status": text}
    else:
        kind, payload = "comment", {**base, "text": text}
    queue_change(
        session=db,
        desk=escalations,
        escalation=escalation,
        kind=kind,
        payload=payload,
        request_key=f"view:{view['id']}",
    )
    await ack()


async def comment_from_message(
    ack: Any, shortcut: dict[str, Any], db: Session, escalations: EscalationDesk, directory: Any
) -> None:
    """Message shortcut "Send to the tracker": a thread reply becomes an issue comment."""
    await ack()
    message = shortcut.get("message") or {}
    channel_id = str((shortcut.get("channel") or {}).get("id"))
    thread_ts = message.get("thread_ts")
    escalation = escalation_by_message(db, channel_id, str(thread_ts)) if thread_ts else None
    if escalation is None or thread_ts == message.get("ts"):
        raise UsageError(NOT_A_THREAD)
    author = (
        await directory.display_name(str(message.get("user"))) if message.get("user") else "someone"
    )
    queue_change(
        session=db,
        desk=escalations,
        escalation=escalation,
        kind="comment",
        payload={
            "author": author,
            "text": str(message.get("text") or ""),
            "user": _user(shortcut)[0],
            "channel": channel_id,
        },
        request_key=f"msg:{channel_id}:{message.get('ts')}",
    )


async def in_escalation_thread(event: dict[str, Any], db: Session) -> bool:
    """Match plain replies in an escalation's thread (other listeners get everything else)."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if event.get("subtype") or not thread_ts or thread_ts == ts:
        return False
    return escalation_by_message(db, str(event.get("channel")), str(thread_ts)) is not None


async def keep_thread_reply(event: dict[str, Any], db: Session) -> None:
    """Keep a reply so that a 📝 reaction can later send it to the tracker."""
    escalation = escalation_by_message(db, str(event["channel"]), str(event["thread_ts"]))
    if escalation is not None:
        remember_reply(
            db,
            escalation,
            channel_id=str(event["channel"]),
            ts=str(event["ts"]),
            user_id=event.get("user"),
            text=str(event.get("text") or ""),
        )


async def is_memo_reaction(event: dict[str, Any]) -> bool:
    """Match 📝 reactions on messages."""
    return event.get("reaction") == "memo" and (event.get("item") or {}).get("type") == "message"


async def memo_reaction(
    event: dict[str, Any], db: Session, escalations: EscalationDesk, directory: Any
) -> None:
    """📝 on a kept thread reply sends it to the tracker as a comment, once."""
    item = event.get("item") or {}
    reply = reply_at(db, str(item.get("channel")), str(item.get("ts")))
    if reply is None:
        return
    escalation = escalation_by_id(db, reply.escalation_id)
    if escalation is None:
        return
    author = await directory.display_name(reply.user_id) if reply.user_id else "someone"
    queue_change(
        session=db,
        desk=escalations,
        escalation=escalation,
        kind="comment",
        payload={
            "author": author,
            "text": reply.text,
            "user": event.get("user"),
            "channel": reply.channel_id,
        },
        request_key=f"msg:{reply.channel_id}:{reply.ts}",
    )
