"""Build the escalation desk for a runtime: tracker choice, outbox jobs, webhook sink."""

from __future__ import annotations

from typing import Any

from commands.escalations.jobs import EscalationJobs
from commands.escalations.model import PolicyAreas
from commands.escalations.service import EscalationDesk
from commands.escalations.webhook import JiraWebhookSink
from integrations.outbox import OutboxPolicy, OutboxWorker
from integrations.tracker.base import Tracker
from integrations.tracker.jira_tracker import JiraConfig, JiraTracker
from integrations.tracker.local_tracker import LocalTracker


def outbox_for(runtime: Any) -> OutboxWorker:
    """Return the runtime's outbox worker, creating and starting-with-the-server it once."""
    existing = runtime.services.get("outbox")
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    settings = runtime.settings
    worker = OutboxWorker(
        sessions=runtime.sessions,
        metrics=runtime.metrics,
        policy=OutboxPolicy(
            max_attempts=settings.opsbot_outbox_max_attempts,
            base_delay=settings.opsbot_outbox_base_delay,
            max_delay=settings.opsbot_outbox_max_delay,
            poll_interval=settings.opsbot_outbox_poll_seconds,
            lease_seconds=settings.opsbot_outbox_lease_seconds,
        ),
    )
    runtime.services["outbox"] = worker
    runtime.on_startup.append(worker.start)
    runtime.on_shutdown.append(worker.stop)
    return worker


def tracker_for(runtime: Any) -> Tracker:
    """Return Jira when JIRA_URL is set, else the local tracker."""
    settings = runtime.settings
    if not settings.jira_configured:
        return LocalTracker(runtime.sessions)
    config = JiraConfig(
        url=str(settings.jira_url),
        email=settings.jira_email,
        api_token=settings.jira_api_token.get_secret_value() if settings.jira_api_token else None,
        pat=settings.jira_pat.get_secret_value() if settings.jira_pat else None,
        timeout=settings.jira_timeout_seconds,
    )
    return JiraTracker(config, metrics=runtime.metrics)


def install_escalations(runtime: Any) -> EscalationDesk:
    """Wire escalations into `runtime`: services, outbox jobs and the Jira webhook sink."""
    settings = runtime.settings
    tracker = tracker_for(runtime)
    runtime.services.setdefault("tracker", tracker)
    desk = EscalationDesk(
        tracker=tracker,
        outbox=outbox_for(runtime),
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
    runtime.services["escalations"] = desk
    runtime.services["escalation_jobs"] = jobs
    runtime.jira_webhook_sinks.append(JiraWebhookSink(jobs))
    return desk
