"""`/routing`: where customer reports are misrouted, and the routing changes that save most."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.routing.handlers import (
    handle_dismiss_suggestion,
    handle_open_suggestion,
    handle_routing,
)
from commands.routing.parsing import ROUTING_USAGE
from commands.routing.views import DISMISS_ACTION, OPEN_ACTION

FAMILY = CommandFamily(
    command="/routing",
    summary="Customer-report routing: misroutes, top flows, and the routing changes to make.",
    usage=tuple(ROUTING_USAGE.splitlines()),
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach the `/routing` handler and its suggestion buttons."""
    app.command(FAMILY.command)(handle_routing)
    app.action(OPEN_ACTION)(handle_open_suggestion)
    app.action(DISMISS_ACTION)(handle_dismiss_suggestion)
