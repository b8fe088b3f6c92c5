"""`/action`: action items with owners and due days, reminded by DM, shown in digests."""

from __future__ import annotations

from typing import Any

from commands.actions.handlers import handle_action
from commands.actions.service import ACTION_USAGE
from commands.catalog import CommandFamily

FAMILY = CommandFamily(
    command="/action",
    summary="Action items: owner, due day, reminders, and a line in the vendor digest.",
    usage=tuple(ACTION_USAGE.splitlines()),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/action` handler."""
    app.command(FAMILY.command)(handle_action)
