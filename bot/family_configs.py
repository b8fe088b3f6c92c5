"""Where the process settings become the families' typed configs.

A family never reads `Settings`: `build_runtime` hands each one the small frozen dataclass
built here (`commands/<family>/config.py`), so every setting a family depends on is named,
typed and read once, in this one module.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from bot.settings import Settings
from commands.checkins.config import CheckinsConfig
from commands.escalations.config import EscalationConfig
from commands.escalations.model import PolicyAreas
from commands.home.config import HomeConfig
from commands.incident_channels.config import IncidentChannelsConfig
from commands.incident_channels.parsing import parse_responders
from commands.initiatives.config import InitiativeConfig
from commands.kb.config import KbConfig
from commands.kpi.config import KpiConfig
from commands.kpi.spikes import SpikeParams
from commands.links.config import LinksConfig
from commands.nudges.config import NudgesConfig
from commands.nudges.parsing import parse_policy
from commands.routing.config import RoutingConfig
from commands.rules.config import RulesConfig
from commands.summary.config import SummaryConfig
from commands.team_config import TeamConfig
from commands.training.config import TrainingConfig
from integrations.case_sources.salesforce_pull import SalesforceConfig


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def spike_params(settings: Settings) -> SpikeParams:
    """Return the spike and drift detectors' thresholds (OPSBOT_SPIKE_*, OPSBOT_DRIFT_*)."""
    return SpikeParams(
        z=settings.opsbot_spike_z,
        min_change=settings.opsbot_spike_min_change,
        min_volume=settings.opsbot_spike_min_volume,
        weeks=settings.opsbot_spike_weeks,
        drift_k=settings.opsbot_drift_k,
        drift_h=settings.opsbot_drift_h,
    )


def team_config(settings: Settings) -> TeamConfig:
    """Read what every family shares: the team's time zone."""
    return TeamConfig(timezone=settings.opsbot_timezone)


def kpi_config(settings: Settings) -> KpiConfig:
    """Read the KPI family's part of the settings."""
    return KpiConfig(
        timezone=settings.opsbot_timezone,
        metrics_file=settings.opsbot_metrics_file,
        spikes=spike_params(settings),
        source_url=settings.opsbot_kpi_source_url,
        source_token=_secret(settings.opsbot_kpi_source_token),
        pull_minutes=settings.opsbot_kpi_pull_minutes,
        alerts_channel=settings.opsbot_alerts_channel,
    )


def kb_config(settings: Settings) -> KbConfig:
    """Read the knowledge base's part of the settings."""
    return KbConfig(
        timezone=settings.opsbot_timezone, review_days=int(settings.opsbot_kb_review_days)
    )


def home_config(settings: Settings) -> HomeConfig:
    """Read App Home's part of the settings."""
    return HomeConfig(
        timezone=settings.opsbot_timezone,
        near_days=settings.opsbot_initiative_near_days,
        stale_days=settings.opsbot_initiative_stale_days,
    )


def links_config(settings: Settings) -> LinksConfig:
    """Read which URLs link previews may unfurl."""
    return LinksConfig(jira_url=settings.jira_url, public_url=settings.opsbot_public_url)


def summary_config(settings: Settings) -> SummaryConfig:
    """Read the weekly team summary's part of the settings."""
    return SummaryConfig(
        timezone=settings.opsbot_timezone,
        schedule=settings.opsbot_summary_schedule,
        channel_id=settings.opsbot_team_channel,
        grace=timedelta(hours=settings.opsbot_catchup_grace_hours),
    )


def rules_config(settings: Settings) -> RulesConfig:
    """Read the KPI rules' part of the settings."""
    return RulesConfig(dedupe_days=settings.opsbot_rule_dedupe_days)


def checkins_config(settings: Settings) -> CheckinsConfig:
    """Read the check-ins' part of the settings."""
    return CheckinsConfig(grace=timedelta(hours=settings.opsbot_catchup_grace_hours))


def incident_channels_config(settings: Settings) -> IncidentChannelsConfig:
    """Read the SEV1 channels' part of the settings."""
    return IncidentChannelsConfig(
        enabled=settings.opsbot_sev1_channels == "on",
        responders=parse_responders(settings.opsbot_sev1_responders),
        archive_hours=settings.opsbot_sev1_archive_hours,
    )


def nudges_config(settings: Settings) -> NudgesConfig:
    """Read the nudges' part of the settings."""
    return NudgesConfig(
        policy=parse_policy(settings.opsbot_nudges), timezone=settings.opsbot_timezone
    )


def escalation_config(settings: Settings) -> EscalationConfig:
    """Read the escalation family's part of the settings."""
    return EscalationConfig(
        areas=PolicyAreas.parse(settings.opsbot_policy_areas),
        project=settings.jira_escalation_project,
        channel_id=settings.opsbot_escalation_channel,
        issue_type=settings.jira_escalation_issue_type,
        root_cause_field=settings.jira_root_cause_field,
        components_by_area=dict(settings.jira_components_by_area),
        custom_fields=dict(settings.jira_custom_fields),
    )


def initiative_config(settings: Settings) -> InitiativeConfig:
    """Read the initiative family's part of the settings."""
    return InitiativeConfig(
        project=settings.jira_initiative_project,
        epic_type=settings.jira_epic_issue_type,
        story_type=settings.jira_story_issue_type,
        channel_id=settings.opsbot_initiative_channel or settings.opsbot_team_channel,
        near_days=settings.opsbot_initiative_near_days,
        stale_days=settings.opsbot_initiative_stale_days,
        timezone=settings.opsbot_timezone,
    )


def training_config(settings: Settings) -> TrainingConfig:
    """Read the training family's part of the settings."""
    return TrainingConfig(
        timezone=settings.opsbot_timezone,
        spikes=spike_params(settings),
        assessment_source_url=settings.opsbot_assessment_source_url or None,
        assessment_source_token=_secret(settings.opsbot_assessment_source_token),
        assessment_pull_minutes=settings.opsbot_assessment_pull_minutes,
    )


def salesforce_config(settings: Settings) -> SalesforceConfig:
    """Return the Service Cloud pull's configuration from the SALESFORCE_* settings."""
    return SalesforceConfig(
        instance_url=settings.salesforce_instance_url,
        username=settings.salesforce_username,
        password=_secret(settings.salesforce_password),
        security_token=_secret(settings.salesforce_security_token),
        session_id=_secret(settings.salesforce_session_id),
        domain=settings.salesforce_domain,
        api_version=settings.salesforce_api_version,
        reason_field=settings.salesforce_reason_field,
        channel_field=settings.salesforce_channel_field,
        first_response_field=settings.salesforce_first_response_field,
        vendor_field=settings.salesforce_vendor_field,
        country_field=settings.salesforce_country_field,
        language_field=settings.salesforce_language_field,
    )


def routing_config(settings: Settings) -> RoutingConfig:
    """Read the routing family's part of the settings."""
    configured = bool(settings.salesforce_instance_url or settings.salesforce_username)
    return RoutingConfig(
        salesforce=salesforce_config(settings) if configured else None,
        pull_minutes=settings.salesforce_pull_minutes,
        pull_days=settings.salesforce_pull_days,
    )
