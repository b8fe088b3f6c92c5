"""`/initiative`: initiatives as Jira epics, with progress, risk and a thread kept in step."""

from __future__ import annotations

from typing import Any

from commands.initiatives.handlers import ROUTER, handle_initiative, handle_new_submission

FAMILY = ROUTER.family()
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach `/initiative` and its creation modal."""
    app.command(FAMILY.command)(handle_initiative)
    app.view("initiative_new")(handle_new_submission)
