"""The escalation card's overflow menu: each option runs the button it stands for."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from commands.escalations import rollout_handlers, thread_actions
from commands.escalations.rollout_handlers import Clock
from commands.escalations.service import EscalationDesk
from commands.escalations.views import OVERFLOW_VERBS
from commands.permissions import Permissions
from integrations.errors import NotFound
from storage.engine import SessionFactory

_BUTTON_BY_VERB = {verb: action_id for action_id, verb in OVERFLOW_VERBS.items()}


def as_button(action: dict[str, Any]) -> dict[str, Any] | None:
    """Return the button click an overflow choice stands for, or None for a crafted verb.

    The id it carries is only a hint, like a button's value: the button's handler reloads the
    escalation and checks scope and rights against the store.
    """
    chosen = str((action.get("selected_option") or {}).get("value") or "")
    verb, _, escalation_id = chosen.partition(":")
    button = _BUTTON_BY_VERB.get(verb)
    if button is None:
        return None
    return {**action, "type": "button", "action_id": button, "value": escalation_id}


async def choose(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    escalations: EscalationDesk,
    permissions: Permissions,
    clock: Clock,
) -> None:
    """Dispatch an overflow choice to the matching button's handler."""
    button = as_button(action)
    if button is None:
        await ack()
        raise NotFound("That action is not offered on this escalation.")
    if button["action_id"] == "escalation_ack":
        await thread_actions.acknowledge(
            ack, body, button, client, sessions, escalations, permissions
        )
    elif button["action_id"] == "escalation_rollout_open":
        await rollout_handlers.open_rollout(ack, body, button, client, sessions, permissions, clock)
    else:
        await thread_actions.open_small_modal(
            ack, body, button, client, sessions, escalations, permissions
        )
