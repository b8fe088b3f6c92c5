"""Handlers for the suggestion card's buttons and menus and its "Edit story" modal.

Every click is checked again against the stored suggestion (the ids in a payload are not
trusted), on a worker thread.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from commands.permissions import Actor, Permissions
from commands.suggestions.parsing import EXPIRED, action_value, read_edit
from commands.suggestions.service import edit_story, require_suggestion, score, vote
from commands.suggestions.views import edit_modal, suggestion_card
from integrations.errors import OpsbotError, UsageError
from storage.engine import SessionFactory, in_worker


async def _clicked(
    body: dict[str, Any], sessions: SessionFactory, permissions: Permissions
) -> tuple[Actor, str, str]:
    """Return who clicked, from where, the suggestion number and the rest of the value."""
    ident, rest, channel = action_value(body)
    actor = await permissions.actor(sessions, user_id=str(body["user"]["id"]), channel_id=channel)
    return actor, ident, rest


async def handle_upvote(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    respond: AsyncRespond,
    permissions: Permissions,
) -> None:
    """Count one vote per person and refresh the card."""
    await ack()
    actor, ident, _ = await _clicked(body, sessions, permissions)
    suggestion, counted = await in_worker(
        sessions, lambda session: vote(session=session, actor=actor, ident=ident)
    )
    await respond(replace_original=True, **suggestion_card(suggestion))
    if not counted:
        await respond(
            text="You have already voted for this one.",
            response_type="ephemeral",
            replace_original=False,
        )


async def handle_score_menu(
    ack: AsyncAck,
    body: dict[str, Any],
    sessions: SessionFactory,
    respond: AsyncRespond,
    permissions: Permissions,
) -> None:
    """Set impact or confidence from the card's menus."""
    await ack()
    actor, ident, raw = await _clicked(body, sessions, permissions)
    field = str(body["actions"][0]["action_id"]).removeprefix("suggest_")
    suggestion = await in_worker(
        sessions,
        lambda session: score(session=session, actor=actor, ident=ident, field=field, value=raw),
    )
    await respond(replace_original=True, **suggestion_card(suggestion))


async def handle_edit_button(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
) -> None:
    """Open the "Edit story" modal (its author and admins only)."""
    await ack()
    actor, ident, _ = await _clicked(body, sessions, permissions)
    suggestion = await in_worker(
        sessions,
        lambda session: require_suggestion(session, ident, actor=actor, verb="edit"),
    )
    context = {
        "id": suggestion.id,
        "channel": actor.channel_id,
        "ts": (body.get("container") or {}).get("message_ts"),
    }
    metadata = json.dumps(permissions.seal(context, user_id=actor.user_id))
    await client.views_open(
        trigger_id=body["trigger_id"], view=edit_modal(suggestion, private_metadata=metadata)
    )


async def handle_edit_submission(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    client: AsyncWebClient,
    permissions: Permissions,
) -> None:
    """Save the edited story and score; errors stay next to their fields.

    The suggestion and channel are those sealed when the modal was opened; the rights are
    checked again against the stored suggestion.
    """
    edit, errors = read_edit(view["state"]["values"])
    if edit is None:
        await ack(response_action="errors", errors=errors)
        return
    user_id = str(body["user"]["id"])
    meta = _unsealed(permissions, view, user_id)
    try:
        if meta is None:
            raise UsageError(EXPIRED)
        actor = await permissions.actor(sessions, user_id=user_id, channel_id=meta.get("channel"))
        ident = str(meta.get("id", ""))
        suggestion = await in_worker(
            sessions,
            lambda session: edit_story(session=session, actor=actor, ident=ident, edit=edit),
        )
    except OpsbotError as exc:
        await ack(response_action="errors", errors={"role": exc.user_message})
        return
    await ack()
    if meta.get("channel") and meta.get("ts"):
        await client.chat_update(
            channel=meta["channel"], ts=meta["ts"], **suggestion_card(suggestion)
        )


def _unsealed(permissions: Permissions, view: dict[str, Any], user_id: str) -> Any:
    try:
        sealed = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return permissions.unseal(sealed, user_id=user_id) if isinstance(sealed, dict) else None
