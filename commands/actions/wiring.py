"""Wire action items into a runtime: their section in check-in digests."""

from __future__ import annotations

from typing import Any

from commands.actions.source import ActionsSource


def install_actions(runtime: Any) -> None:
    """Add the "actions" digest section (reminders go out with the scheduler's sweep)."""
    runtime.digest_sources.append(ActionsSource())
