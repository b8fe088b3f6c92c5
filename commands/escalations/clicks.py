"""A click on an escalation's card (button, overflow choice, shortcut), handed over as one object.

Bolt injects a listener's arguments by name, so every button handler used to spell out the
same seven; `on_click` takes them once and hands the handler a `Click`, which also knows how
to load the clicked escalation for a verb and seal a modal's context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from commands.escalations.payloads import acting_user, view_metadata
from commands.escalations.service import EscalationDesk, require_escalation
from commands.permissions import Actor, Permissions
from integrations.errors import NotFound
from storage.engine import SessionFactory, in_worker
from storage.escalations import Escalation

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Click:
    """What Bolt hands a click's listener: the payload, the clients and the desk."""

    ack: AsyncAck
    body: dict[str, Any]
    action: dict[str, Any]  # empty for a shortcut
    client: AsyncWebClient
    sessions: SessionFactory
    escalations: EscalationDesk
    permissions: Permissions
    clock: Clock

    @property
    def user(self) -> tuple[str, str]:
        """Return (user id, user name) of whoever clicked."""
        return acting_user(self.body)

    @property
    def channel_id(self) -> str | None:
        """Return the channel Slack says the click came from."""
        channel = (self.body.get("channel") or {}).get("id")
        return None if channel is None else str(channel)

    async def actor(self) -> Actor:
        """Return who clicked, with the scope of the channel the click came from."""
        return await self.permissions.actor(
            self.sessions, user_id=self.user[0], channel_id=self.channel_id
        )

    def as_action(self, action: dict[str, Any]) -> Click:
        """Return this click as if it had been `action` (an overflow choice's button)."""
        return replace(self, action=action)

    async def target(self, verb: str) -> tuple[Actor, Escalation]:
        """Return who clicked, from where, and the stored escalation they may `verb`.

        The button's value only says which escalation to load: scope and rights are checked
        against the stored escalation and the channel Slack says the click came from.
        """
        actor = await self.actor()
        value = str(self.action.get("value") or "")
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise NotFound("That escalation no longer exists.")
        escalation = await in_worker(
            self.sessions,
            lambda session: require_escalation(
                session, actor=actor, verb=verb, escalation_id=int(value)
            ),
        )
        return actor, escalation

    def seal(self, actor: Actor, escalation: Escalation) -> dict[str, Any]:
        """Seal the context of a modal opened on `escalation`, for the clicker only."""
        return self.permissions.seal(
            {"escalation_id": escalation.id, "channel": actor.channel_id}, user_id=actor.user_id
        )

    async def open_view(self, view: dict[str, Any]) -> None:
        """Open `view` as a modal over the click."""
        await self.client.views_open(trigger_id=self.body["trigger_id"], view=view)


ClickHandler = Callable[[Click], Awaitable[None]]


def on_click(handler: ClickHandler) -> Callable[..., Awaitable[None]]:
    """Return the Bolt listener that hands `handler` the click as one `Click`."""

    # Not functools.wraps: Bolt reads the listener's own signature to inject its arguments.
    async def listener(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any] | None,
        client: AsyncWebClient,
        sessions: SessionFactory,
        escalations: EscalationDesk,
        permissions: Permissions,
        clock: Clock,
    ) -> None:
        click = Click(ack, body, action or {}, client, sessions, escalations, permissions, clock)
        await handler(click)

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener


@dataclass(frozen=True)
class Submission:
    """What Bolt hands a modal submission's listener, with the context this server sealed."""

    ack: AsyncAck
    body: dict[str, Any]
    view: dict[str, Any]
    sessions: SessionFactory
    escalations: EscalationDesk
    permissions: Permissions

    @property
    def user(self) -> tuple[str, str]:
        """Return (user id, user name) of whoever submitted."""
        return acting_user(self.body)

    @property
    def sealed(self) -> dict[str, Any] | None:
        """Return the modal's context when this server sealed it for this user, else None."""
        return self.permissions.unseal(view_metadata(self.view), user_id=self.user[0])

    async def actor(self) -> Actor:
        """Return who submitted, with the scope of the channel sealed when the modal opened."""
        channel = (self.sealed or {}).get("channel")
        return await self.permissions.actor(self.sessions, user_id=self.user[0], channel_id=channel)


def on_submit(handler: Callable[[Submission], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Return the Bolt listener that hands `handler` the submission as one `Submission`."""

    async def listener(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        sessions: SessionFactory,
        escalations: EscalationDesk,
        permissions: Permissions,
    ) -> None:
        await handler(Submission(ack, body, view, sessions, escalations, permissions))

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener
