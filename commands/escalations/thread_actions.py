"""Buttons, small modals, the comment shortcut and thread events of an escalation."""

from __future__ import annotations

from typing import Any

from commands.escalations.changes import acknowledge_escalation, change_escalation
from commands.escalations.clicks import Click, Submission
from commands.escalations.parsing import ChangeRequest, checked_change
from commands.escalations.statuses import available_transitions
from commands.escalations.thread_events import (
    comment_from_message,
    in_escalation_thread,
    is_memo_reaction,
    keep_thread_reply,
    memo_reaction,
)
from commands.escalations.views import text_modal
from integrations.errors import NotAllowed, NotFound, UsageError

__all__ = [
    "acknowledge",
    "comment_from_message",
    "in_escalation_thread",
    "is_memo_reaction",
    "keep_thread_reply",
    "memo_reaction",
    "open_small_modal",
    "submit_small_modal",
]

EXPIRED = "This form has expired; open it again from the escalation's message."


async def acknowledge(click: Click) -> None:
    """Acknowledge once (see `changes.acknowledge_escalation`); a repeat only tells the clicker."""
    await click.ack()
    actor, escalation = await click.target("acknowledge")
    desk = click.escalations
    done = await desk.run(
        click.sessions,
        lambda session: acknowledge_escalation(
            session=session,
            desk=desk,
            actor=actor,
            escalation_id=escalation.id or 0,
            author=click.user[1],
        ),
    )
    if done.already and actor.channel_id:
        await click.client.chat_postEphemeral(
            channel=actor.channel_id,
            user=actor.user_id,
            text=f"{done.escalation.display_key} is already acknowledged; nothing changed.",
        )


# action id -> (modal callback, title, label, multiline, hint, request verb)
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


async def open_small_modal(click: Click) -> None:
    """Open the Add update / Change status / Resolve modal for the clicked escalation."""
    await click.ack()
    callback_id, title, label, multiline, hint, verb = _SMALL_MODALS[click.action["action_id"]]
    actor, escalation = await click.target(verb)
    choices = None
    if callback_id == "escalation_status":
        available = await available_transitions(click.escalations, escalation)
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
        metadata=click.seal(actor, escalation),
        choices=choices,
    )
    await click.open_view(view)


def _typed(view: dict[str, Any], block: str) -> str:
    field = (view["state"]["values"].get(block) or {}).get("value", {})
    chosen = (field.get("selected_option") or {}).get("value")  # a select
    return str(chosen or field.get("value") or "").strip()


def small_modal_request(view: dict[str, Any], context: dict[str, Any] | None) -> ChangeRequest:
    """Read a small modal's submission as a change request for its sealed escalation."""
    if context is None or not str(context.get("escalation_id") or "").isdigit():
        raise UsageError(EXPIRED)
    verb = _VERB_BY_CALLBACK.get(view["callback_id"], "comment")
    value = _typed(view, "value")
    if not value:
        raise UsageError("Type something first.")
    kind = (_typed(view, "kind") or None) if verb == "resolve" else None
    request = ChangeRequest(
        verb, value, escalation_id=int(context["escalation_id"]), root_cause_kind=kind
    )
    return checked_change(request)


async def submit_small_modal(submitted: Submission) -> None:
    """Queue the update, status change or resolution typed into a small modal.

    The modal's context is trusted only when this server sealed it for this user; the
    escalation is reloaded and the channel's scope and the user's rights checked again.
    """
    try:
        request = small_modal_request(submitted.view, submitted.sealed)
        actor = await submitted.actor()
        await change_escalation(
            sessions=submitted.sessions,
            desk=submitted.escalations,
            actor=actor,
            request=request,
            author=submitted.user[1],
            request_key=f"view:{submitted.view['id']}",
        )
    except (NotAllowed, NotFound, UsageError) as exc:
        await submitted.ack(response_action="errors", errors={"value": exc.user_message[:300]})
        return
    await submitted.ack()
