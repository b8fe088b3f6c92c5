"""Wire suggestions into a runtime: their outbox jobs, on the planning desk they grow into."""

from __future__ import annotations

from typing import Any

from commands.suggestions.jobs import build_suggestion_jobs


def install_suggestions(runtime: Any) -> None:
    """Register the suggestion jobs (needs the planning desk: promoted ideas become stories)."""
    desk = runtime.planning_desk
    for kind, job in build_suggestion_jobs(desk).items():
        desk.outbox.register(kind, job)
