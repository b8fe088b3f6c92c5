"""What a slash handler works out before anything else: who asks, from where, on which day.

The actor (admin or not, the channel's vendor scope) is read on a worker thread through
`Permissions.actor`, so a handler built on this never touches the database on the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from commands.permissions import Actor, Permissions
from storage.engine import SessionFactory

Clock = Callable[[], datetime]


def team_today(clock: Clock, timezone: str) -> date:
    """Return today's date in the team's time zone."""
    return clock().astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class SlashRequest:
    """One slash command's asker, its text, and the team's clock reading."""

    actor: Actor
    text: str
    now: datetime
    today: date

    @property
    def user_id(self) -> str:
        """Return who typed the command."""
        return self.actor.user_id


async def slash_request(
    command: dict[str, Any],
    *,
    sessions: SessionFactory,
    permissions: Permissions,
    clock: Clock,
    timezone: str,
) -> SlashRequest:
    """Return the asker (with the channel's scope), the command's text, now and today."""
    actor = await permissions.actor(
        sessions, user_id=str(command["user_id"]), channel_id=command.get("channel_id")
    )
    now = clock()
    today = now.astimezone(ZoneInfo(timezone)).date()
    return SlashRequest(actor=actor, text=str(command.get("text") or ""), now=now, today=today)
