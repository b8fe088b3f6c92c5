"""Escalations: `/escalate`, `/escalation`, their modals and buttons, kept in step with Jira."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.escalations import (
    handlers,
    interactions,
    overflow,
    rollout_handlers,
    thread_actions,
)
from commands.escalations.clicks import on_click, on_submit
from commands.escalations.parsing import ESCALATE_USAGE, ESCALATION_USAGE
from commands.escalations.views import OVERFLOW_ACTION

FAMILIES = (
    CommandFamily(
        command="/escalate",
        summary="File an escalation (opens a form, or one line) and open its Jira issue.",
        usage=tuple(ESCALATE_USAGE.splitlines()),
    ),
    CommandFamily(
        command="/escalation",
        summary="Show, update, assign, resolve or list escalations.",
        usage=tuple(ESCALATION_USAGE.splitlines()),
    ),
)


def register(app: Any) -> None:
    """Attach the escalation commands, views, buttons, shortcuts and events."""
    app.command("/escalate")(handlers.handle_escalate)
    app.command("/escalation")(handlers.handle_escalation)
    app.view("escalation_file")(on_submit(interactions.submit_filing))
    for callback_id in ("escalation_update", "escalation_status", "escalation_resolve"):
        app.view(callback_id)(on_submit(thread_actions.submit_small_modal))
    app.view("escalation_rollout")(rollout_handlers.submit_rollout)
    app.action("escalation_rollout_open")(on_click(rollout_handlers.open_rollout))
    app.shortcut("escalate_message")(on_click(interactions.escalate_message))
    app.shortcut("escalation_comment_message")(thread_actions.comment_from_message)
    app.action("escalation_from_finding")(on_click(interactions.escalation_from_finding))
    app.action("escalation_ack")(on_click(thread_actions.acknowledge))
    for action_id in (
        "escalation_update_open",
        "escalation_status_open",
        "escalation_resolve_open",
    ):
        app.action(action_id)(on_click(thread_actions.open_small_modal))
    app.action(OVERFLOW_ACTION)(on_click(overflow.choose))
    app.event("reaction_added", matchers=[thread_actions.is_memo_reaction])(
        thread_actions.memo_reaction
    )
    app.event("message", matchers=[thread_actions.in_escalation_thread])(
        thread_actions.keep_thread_reply
    )
