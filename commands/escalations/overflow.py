"""The escalation card's overflow menu: each option runs the button it stands for."""

from __future__ import annotations

from typing import Any

from commands.escalations import rollout_handlers, thread_actions
from commands.escalations.clicks import Click, ClickHandler
from commands.escalations.views import OVERFLOW_VERBS
from integrations.errors import NotFound

_BUTTON_BY_VERB = {verb: action_id for action_id, verb in OVERFLOW_VERBS.items()}
# Every other choice opens its small modal (update, status, resolve).
_HANDLER_BY_BUTTON: dict[str, ClickHandler] = {
    "escalation_ack": thread_actions.acknowledge,
    "escalation_rollout_open": rollout_handlers.open_rollout,
}


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


async def choose(click: Click) -> None:
    """Dispatch an overflow choice to the matching button's handler."""
    button = as_button(click.action)
    if button is None:
        await click.ack()
        raise NotFound("That action is not offered on this escalation.")
    handler = _HANDLER_BY_BUTTON.get(button["action_id"], thread_actions.open_small_modal)
    await handler(click.as_action(button))
