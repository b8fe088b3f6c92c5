"""App Home: the app_home_opened event and the home's buttons and modals (thin: parse, call)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from commands.actions.service import NewActionItem, add_action_item, complete_action_item
from commands.escalations.changes import acknowledge_escalation
from commands.escalations.service import EscalationDesk, vendor_choices
from commands.escalations.views import filing_modal
from commands.home.config import HomeConfig
from commands.home.jobs import HomePublisher
from commands.home.parsing import metadata, parse_action_form, row_id
from commands.home.views import action_modal, done_modal, suggest_modal
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Permissions, require
from commands.subcommands import team_today
from commands.suggestions.service import record_suggestion
from integrations.errors import NotAllowed, UsageError
from storage.engine import SessionFactory, in_worker

NO_CHANNEL = (
    "Your vendor has no channel bound to opsbot yet, so filing from here is off: "
    "ask an opsbot admin to run `/opsbot vendor bind`."
)
EXPIRED = "This form has expired; open it again from your home."


def _user_id(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def _sealed_by(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], permissions: Permissions
) -> str | None:
    """Return who submits a home modal, or answer "expired" when its seal is not theirs."""
    user_id = _user_id(body)
    if permissions.unseal(metadata(view), user_id=user_id) is None:
        await ack(response_action="errors", errors={"text": EXPIRED})
        return None
    return user_id


def _filing_actor(actor: Actor) -> Actor:
    # A vendor member files into their vendor's channel scope; without one there is none.
    if actor.scope.vendor is not None and actor.channel_id is None:
        raise NotAllowed(NO_CHANNEL)
    return actor


async def home_opened(event: dict[str, Any], home: HomePublisher, background: Any) -> None:
    """Publish the home tab the user opened (the Messages tab needs nothing).

    The publish runs after the event is acknowledged: Slack retries an event not answered
    within 3 seconds, and views.publish may be slow.
    """
    if event.get("tab", "home") == "home" and event.get("user"):
        user_id = str(event["user"])

        async def publish(_session: Any) -> None:
            await home.opened(user_id)

        background.spawn("home.opened", publish)


async def open_filing(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    escalations: EscalationDesk,
    permissions: Permissions,
    home: HomePublisher,
) -> None:
    """File escalation: the `/escalate` modal, sealed with the viewer's own scope."""
    await ack()
    user_id = _user_id(body)
    actor = _filing_actor(await home.actor(user_id))
    require(actor, "escalations", "file")
    scope = actor.scope
    choices = await in_worker(sessions, lambda s: vendor_choices(s, scope))
    view = filing_modal(
        areas=escalations.areas,
        vendors=choices,
        metadata=permissions.seal({"channel": actor.channel_id}, user_id=user_id),
        prefill={"vendor": scope.vendor.slug} if scope.vendor else None,
    )
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def open_action_modal(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, permissions: Permissions
) -> None:
    """Add action item: a small modal, owner preset to the viewer."""
    await ack()
    user_id = _user_id(body)
    sealed = json.dumps(permissions.seal({"home": True}, user_id=user_id))
    await client.views_open(
        trigger_id=body["trigger_id"], view=action_modal(metadata=sealed, owner_id=user_id)
    )


async def open_suggest_modal(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, permissions: Permissions
) -> None:
    """Suggest an improvement: a one-field modal."""
    await ack()
    sealed = json.dumps(permissions.seal({"home": True}, user_id=_user_id(body)))
    await client.views_open(trigger_id=body["trigger_id"], view=suggest_modal(metadata=sealed))


async def submit_action(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    home: HomePublisher,
    home_config: HomeConfig,
    clock: Callable[[], datetime],
) -> None:
    """Store the action item in the viewer's scope; bad fields are shown under themselves."""
    user_id = await _sealed_by(ack, body, view, permissions)
    if user_id is None:
        return
    form, errors = parse_action_form(view["state"]["values"])
    if form is None:
        await ack(response_action="errors", errors=errors)
        return
    actor = await home.actor(user_id)
    require(actor, "actions", "add")
    today = team_today(clock, home_config.timezone)
    try:
        item = await in_worker(
            sessions,
            lambda s: add_action_item(
                session=s,
                actor=actor,
                request=NewActionItem(
                    owner_id=form.owner_id, text=form.text, due_text=form.due_text, today=today
                ),
            ),
        )
    except UsageError as exc:
        await ack(response_action="errors", errors={"due": exc.user_message[:150]})
        return
    said = f"Added `#{item.id}`: {escape_clip(item.text, 300)} — due {item.due:%a %d %b}."
    await ack(response_action="update", view=done_modal("Action item added", said))
    for owner in {user_id, item.owner_id}:
        await home.refresh_user(owner)


async def submit_suggestion(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    home: HomePublisher,
) -> None:
    """Record the suggestion (in the viewer's vendor scope); once per modal."""
    user_id = await _sealed_by(ack, body, view, permissions)
    if user_id is None:
        return
    text = str(((view["state"]["values"].get("text") or {}).get("value") or {}).get("value") or "")
    actor = await home.actor(user_id)
    require(actor, "suggestions", "file")
    try:
        suggestion = await in_worker(
            sessions,
            lambda s: record_suggestion(
                session=s,
                text=text,
                author_id=user_id,
                channel_id=actor.channel_id,
                dedupe_key=f"view:{view['id']}",
            ),
        )
    except UsageError as exc:
        await ack(response_action="errors", errors={"text": exc.user_message[:150]})
        return
    said = f"Suggestion `#{suggestion.id}` recorded. See it with `/suggest list mine`."
    await ack(response_action="update", view=done_modal("Thanks!", said))


async def acknowledge(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    sessions: SessionFactory,
    escalations: EscalationDesk,
    home: HomePublisher,
) -> None:
    """Acknowledge an escalation from the home, checked against the stored one and my scope."""
    await ack()
    user_id = _user_id(body)
    number = row_id(action, "escalation")
    actor = await home.actor(user_id)
    name = str((body.get("user") or {}).get("name") or user_id)

    # The desk commits in the worker and wakes the outbox, as the card's own button does; a
    # repeat click changes nothing (the acknowledgement is recorded once).
    await escalations.run(
        sessions,
        lambda session: acknowledge_escalation(
            session=session, desk=escalations, actor=actor, escalation_id=number, author=name
        ),
    )
    await home.refresh_user(user_id)


async def action_done(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    sessions: SessionFactory,
    home: HomePublisher,
    clock: Callable[[], datetime],
) -> None:
    """Mark an action item done from the home (its owner or an admin, within my scope)."""
    await ack()
    number = row_id(action, "action item")
    actor = await home.actor(_user_id(body))
    now = clock()
    await in_worker(
        sessions,
        lambda s: complete_action_item(session=s, actor=actor, action_id_text=str(number), now=now),
    )
    await home.refresh_user(actor.user_id)


async def link_clicked(ack: AsyncAck) -> None:
    """A link button opens in the browser; Slack still wants the click acknowledged."""
    await ack()
