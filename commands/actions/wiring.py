"""Wire action items into a runtime: their section in check-in digests."""

from __future__ import annotations

from typing import Any

from commands.actions.config import ActionsConfig
from commands.actions.source import ActionsSource


def install_actions(runtime: Any) -> None:
    """Add the config and the "actions" digest section (reminders go with the scheduler)."""
    runtime.actions_config = ActionsConfig.from_settings(runtime.settings)
    runtime.digest_sources.append(ActionsSource())
