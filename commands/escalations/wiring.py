"""Build the escalation desk for a runtime: outbox jobs and the Jira webhook sink."""

from __future__ import annotations

from typing import Any

from commands.escalations.config import EscalationConfig
from commands.escalations.digest import EscalationDigestSource
from commands.escalations.jobs import EscalationJobs
from commands.escalations.service import EscalationDesk
from commands.escalations.webhook import JiraWebhookSink


def install_escalations(runtime: Any) -> EscalationDesk:
    """Wire escalations into `runtime`: the desk, outbox jobs, digest section, webhook sink."""
    config: EscalationConfig = runtime.escalation_config
    desk = EscalationDesk(
        tracker=runtime.tracker,
        outbox=runtime.outbox,
        areas=config.areas,
        project=config.project,
        channel_id=config.channel_id,
        issue_type=config.issue_type,
        root_cause_field=config.root_cause_field,
        components_by_area=dict(config.components_by_area),
        custom_fields=dict(config.custom_fields),
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
