"""Wire suggestions into a runtime: their outbox jobs, on the planning desk they grow into."""

from __future__ import annotations

from typing import Any

from commands.suggestions.jobs import SuggestionJobs


def install_suggestions(runtime: Any) -> None:
    """Register the suggestion jobs (needs the planning desk: promoted ideas become stories)."""
    SuggestionJobs(runtime.planning_desk).register()
