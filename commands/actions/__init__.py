"""`/action`: action items with owners and due days, reminded by DM, shown in digests."""

from __future__ import annotations

from typing import Any

from commands.actions.handlers import ROUTER, handle_action

FAMILY = ROUTER.family()
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/action` handler."""
    app.command(FAMILY.command)(handle_action)
