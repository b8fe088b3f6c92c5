"""Wire initiatives into a runtime: the planning desk, its jobs, digest section and webhook."""

from __future__ import annotations

from typing import Any

from commands.initiatives.config import InitiativeConfig
from commands.initiatives.desk import PlanningDesk
from commands.initiatives.digest import InitiativeDigestSource
from commands.initiatives.jobs import InitiativeJobs
from commands.initiatives.webhook import InitiativeWebhookSink


def install_planning(runtime: Any) -> PlanningDesk:
    """Build the planning desk on the runtime's tracker and outbox; register jobs and sinks."""
    config: InitiativeConfig = runtime.initiative_config
    desk = PlanningDesk(
        tracker=runtime.tracker,
        outbox=runtime.outbox,
        sessions=runtime.sessions,
        slack=runtime.slack,
        project=config.project,
        epic_type=config.epic_type,
        story_type=config.story_type,
        channel_id=config.channel_id,
        near_days=config.near_days,
        stale_days=config.stale_days,
        timezone=config.timezone,
    )
    InitiativeJobs(desk).register()
    runtime.planning_desk = desk
    runtime.digest_sources.append(InitiativeDigestSource(desk))
    runtime.jira_webhook_sinks.append(InitiativeWebhookSink(desk))
    return desk
