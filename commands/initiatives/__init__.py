"""`/initiative`: initiatives as Jira epics, with progress, risk and a thread kept in step."""

from __future__ import annotations

from typing import Any

from commands.catalog import CommandFamily
from commands.initiatives.handlers import USAGE, handle_initiative, handle_new_submission

FAMILY = CommandFamily(
    command="/initiative",
    summary="Track initiatives as Jira epics: progress, risk, notes, evidence and stories.",
    usage=USAGE,
)
FAMILIES = (FAMILY,)


def register(app: Any) -> None:
    """Attach `/initiative` and its creation modal."""
    app.command(FAMILY.command)(handle_initiative)
    app.view("initiative_new")(handle_new_submission)
