"""`/opsbot vendor …`: the one vendor registry every family names vendors through."""

from __future__ import annotations

from typing import Any

from commands.vendors.handlers import handle_add_and_continue, handle_vendor_command
from commands.vendors.parsing import VENDOR_USAGE
from commands.vendors.views import ADD_AND_CONTINUE_ACTION

# `/opsbot` belongs to the help family, which forwards `vendor …` here; no family of its own.
FAMILIES: tuple[Any, ...] = ()
__all__ = ["VENDOR_USAGE", "handle_vendor_command", "register"]


def register(app: Any) -> None:
    """Attach the "Add vendor and carry on" button."""
    app.action(ADD_AND_CONTINUE_ACTION)(handle_add_and_continue)
