"""Buttons, small modals, the comment shortcut and thread events of an escalation."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from commands.escalations.payloads import acting_user as _user
from commands.escalations.payloads import view_metadata as _metadata
from commands.escalations.service import (
    RESOLVE_INSTEAD,
    EscalationDesk,
    acknowledge_escalation,
    escalation_subject,
    is_done_status,
    queue_change,
    require_escalation,
)
from commands.escalations.statuses import available_transitions, checked_status
from commands.escalations.views import text_modal
from commands.permissions import Actor, Permissions, may
from integrations.errors import NotAllowed, NotFound, UsageError
from storage.escalations import (
    Escalation,
    escalation_by_id,
    escalation_by_message,
    remember_reply,
    reply_at,
)

NOT_A_THREAD = "That message is not in an escalation's thread."
EXPIRED = "This form has expired; open it again from the escalation's message."


async def _clicked(
    db: Session, body: dict[str, Any], action: dict[str, Any], permissions: Permissions, verb: str
) -> tuple[Actor, Escalation]:
    """Return who clicked, from where, and the stored escalation they may `verb`.

    The button's value only says which escalation to load: scope and rights are checked
    against the stored escalation and the channel Slack says the click came from.
    """
    user_id, _ = _user(body)
    channel_id = (body.get("channel") or {}).get("id")
    actor = await permissions.actor(db, user_id=user_id, channel_id=channel_id)
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise NotFound("That escalation no longer exists.")
    escalation = require_escalation(db, actor=actor, verb=verb, escalation_id=int(value))
    return actor, escalation


async def acknowledge(
    ack: Any,
    body: dict[str, Any],
    action: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """Acknowledge: move a new escalation in progress (once), see `service.acknowledge`."""
    await ack()
    actor, escalation = await _clicked(db, body, action, permissions, "acknowledge")
    _, user_name = _user(body)
    base = {"author": user_name, "user": actor.user_id, "channel": actor.channel_id}
    acknowledge_escalation(
        session=db,
        desk=escalations,
        escalation=escalation,
        actor=actor,
        base=base,
        request_key=str(body.get("trigger_id")),
    )


# action id -> (modal callback, title, label, multiline, hint, policy verb)
_SMALL_MODALS = {
    "escalation_update_open": (
        "escalation_update",
        "Add update",
        "Update for the tracker",
        True,
        None,
        "comment",
    ),
    "escalation_status_open": (
        "escalation_status",
        "Change status",
        "New status",
        False,
        "e.g. In Progress (Done and other done statuses: use Resolve)",
        "status",
    ),
    "escalation_resolve_open": (
        "escalation_resolve",
        "Resolve",
        "Root cause",
        True,
        None,
        "resolve",
    ),
}
_VERB_BY_CALLBACK = {spec[0]: spec[5] for spec in _SMALL_MODALS.values()}


async def open_small_modal(
    ack: Any,
    body: dict[str, Any],
    action: dict[str, Any],
    client: Any,
    db: Session,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """Open the Add update / Change status / Resolve modal for the clicked escalation."""
    await ack()
    callback_id, title, label, multiline, hint, verb = _SMALL_MODALS[action["action_id"]]
    actor, escalation = await _clicked(db, body, action, permissions, verb)
    metadata = permissions.seal(
        {"escalation_id": escalation.id, "channel": actor.channel_id}, user_id=actor.user_id
    )
    choices = None
    if callback_id == "escalation_status":
        available = await available_transitions(escalations, escalation)
        # A move to done is a resolve (with a root cause): the Resolve button offers it.
        offered = {t.to_status for t in available or () if t.to_category != "done"}
        choices = sorted(offered) if offered else None
    view = text_modal(
        callback_id=callback_id,
        title=title,
        label=label,
        escalation=escalation,
        multiline=multiline,
        hint=hint,
        metadata=metadata,
        choices=choices,
    )
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def submit_small_modal(
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    permissions: Permissions,
) -> None:
    """Queue the update, status change or resolution typed into a small modal.

    The modal's context is trusted only when this server sealed it for this user; the
    escalation is reloaded and the channel's scope and the user's rights checked again.
    """
    user_id, user_name = _user(body)
    context = permissions.unseal(_metadata(view), user_id=user_id)
    field = (view["state"]["values"].get("value") or {}).get("value", {})
    chosen = (field.get("selected_option") or {}).get("value")  # the status select
    text = str(chosen or field.get("value") or "").strip()
    callback = view["callback_id"]
    verb = _VERB_BY_CALLBACK.get(callback, "comment")
    if callback == "escalation_status" and is_done_status(text):
        verb = "resolve"  # a move to done is a resolve: the same rights, and a root cause
    try:
        if context is None or not str(context.get("escalation_id") or "").isdigit():
            raise UsageError(EXPIRED)
        actor = await permissions.actor(db, user_id=user_id, channel_id=context.get("channel"))
        escalation = require_escalation(
            db, actor=actor, verb=verb, escalation_id=int(context["escalation_id"])
        )
        if callback == "escalation_status" and is_done_status(text):
            raise UsageError(RESOLVE_INSTEAD)
        if not text:
            raise UsageError("Type something first.")
    except (NotAllowed, NotFound, UsageError) as exc:
        await ack(response_action="errors", errors={"value": exc.user_message})
        return
    base = {"author": user_name, "user": user_id, "channel": escalation.channel_id}
    if callback == "escalation_resolve":
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
    ack: Any,
    shortcut: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    directory: Any,
    permissions: Permissions,
) -> None:
    """Message shortcut "Send to the tracker": a thread reply becomes an issue comment."""
    await ack()
    message = shortcut.get("message") or {}
    channel_id = str((shortcut.get("channel") or {}).get("id"))
    thread_ts = message.get("thread_ts")
    escalation = escalation_by_message(db, channel_id, str(thread_ts)) if thread_ts else None
    if escalation is None or thread_ts == message.get("ts"):
        raise UsageError(NOT_A_THREAD)
    actor = await permissions.actor(db, user_id=_user(shortcut)[0], channel_id=channel_id)
    require_escalation(db, actor=actor, verb="comment", escalation_id=escalation.id)
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
    event: dict[str, Any],
    db: Session,
    escalations: EscalationDesk,
    directory: Any,
    permissions: Permissions,
) -> None:
    """📝 on a kept thread reply sends it to the tracker as a comment, once."""
    item = event.get("item") or {}
    reply = reply_at(db, str(item.get("channel")), str(item.get("ts")))
    if reply is None:
        return
    escalation = escalation_by_id(db, reply.escalation_id)
    if escalation is None:
        return
    actor = await permissions.actor(db, user_id=str(event.get("user")), channel_id=reply.channel_id)
    if not may(actor, "escalations", "comment", escalation_subject(escalation)):
        return  # an event has nobody to answer; out of scope is simply not sent
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
