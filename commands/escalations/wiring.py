"""Build the escalation desk for a runtime: outbox jobs and the Jira webhook sink."""

from __future__ import annotations

from typing import Any

from commands.escalations.digest import EscalationDigestSource
from commands.escalations.jobs import EscalationJobs
from commands.escalations.model import PolicyAreas
from commands.escalations.service import EscalationDesk
from commands.escalations.webhook import JiraWebhookSink


def install_escalations(runtime: Any) -> EscalationDesk:
    """Wire escalations into `runtime`: the desk, outbox jobs, digest section, webhook sink."""
    settings = runtime.settings
    desk = EscalationDesk(
        tracker=runtime.tracker,
        outbox=runtime.outbox,
        areas=PolicyAreas.parse(settings.opsbot_policy_areas),
        project=settings.jira_escalation_project,
        channel_id=settings.opsbot_escalation_channel,
        issue_type=settings.jira_escalation_issue_type,
        root_cause_field=settings.jira_root_cause_field,
        components_by_area=dict(settings.jira_components_by_area),
        custom_fields=dict(settings.jira_custom_fields),
    )
    jobs = EscalationJobs(
        desk=desk, sessions=runtime.sessions, slack=runtime.slack, directory=runtime.directory
    )
    jobs.register()
    runtime.escalations = desk
    runtime.escalation_jobs = jobs
    runtime.digest_sources.append(EscalationDigestSource(areas=desk.areas))
    runtime.jira_webhook_sinks.append(JiraWebhookSink(jobs))
    return desk
