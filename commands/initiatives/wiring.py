"""Wire initiatives into a runtime: the planning desk, its jobs, digest section and webhook."""

from __future__ import annotations

from typing import Any

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.digest import InitiativeDigestSource
from commands.initiatives.jobs import InitiativeJobs
from commands.initiatives.webhook import InitiativeWebhookSink


def install_planning(runtime: Any) -> PlanningDesk:
    """Build the planning desk on the runtime's tracker and outbox; register jobs and sinks."""
    settings = runtime.settings
    desk = PlanningDesk(
        tracker=runtime.tracker,
        outbox=runtime.outbox,
        sessions=runtime.sessions,
        slack=runtime.slack,
        project=settings.jira_initiative_project,
        epic_type=settings.jira_epic_issue_type,
        story_type=settings.jira_story_issue_type,
        channel_id=settings.opsbot_initiative_channel or settings.opsbot_team_channel,
        near_days=settings.opsbot_initiative_near_days,
        stale_days=settings.opsbot_initiative_stale_days,
        timezone=settings.opsbot_timezone,
    )
    InitiativeJobs(desk).register()
    runtime.planning_desk = desk
    runtime.digest_sources.append(InitiativeDigestSource(desk))
    runtime.jira_webhook_sinks.append(InitiativeWebhookSink(desk))
    return desk
