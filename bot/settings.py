"""Typed settings, read from the environment or `.env`, checked once at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.engine import PoolOptions

Mode = Literal["serve", "socket", "shell", "cli"]

# Values copied from sample configs that must never reach a real workspace.
_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "xoxb-your-token",
    "xapp-your-token",
    "secret",
    "todo",
}


class ConfigurationError(Exception):
    """Raised when the settings cannot run the chosen mode; the message names the variable."""


class Settings(BaseSettings):
    """Every setting of DESIGN.md, one field each."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    database_url: str = "sqlite:///opsbot.db"
    # The engine's connection pool; database work runs on a worker pool of as many threads
    # (pool size + overflow), so concurrency is bounded and the loop never waits on a checkout.
    opsbot_db_pool_size: int = Field(default=10, ge=1, le=500)
    opsbot_db_max_overflow: int = Field(default=20, ge=0, le=500)
    opsbot_db_pool_timeout: float = Field(default=5.0, gt=0)
    # Threads of the worker pool (capped by size + overflow); unset: storage.engine's
    # DEFAULT_WORKERS, a measured choice (more threads only queue for the GIL).
    opsbot_db_workers: int | None = Field(default=None, ge=1, le=500)

    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_pat: SecretStr | None = None
    jira_escalation_project: str = "ESC"
    jira_initiative_project: str = "INIT"
    jira_webhook_secret: SecretStr | None = None

    opsbot_escalation_channel: str | None = None
    opsbot_admins: str = ""
    opsbot_timezone: str = "UTC"
    opsbot_metrics_file: str | None = None

    # KPI: scheduled HTTP pull, spike detection and where new spikes are announced.
    opsbot_kpi_source_url: str | None = None
    opsbot_kpi_source_token: SecretStr | None = None
    opsbot_kpi_pull_minutes: int = Field(default=60, ge=1)
    opsbot_alerts_channel: str | None = None
    opsbot_spike_z: float = Field(default=3.5, gt=0)
    opsbot_spike_min_change: float = Field(default=0.2, ge=0)
    opsbot_spike_min_volume: float = Field(default=50.0, ge=0)
    opsbot_spike_weeks: int = Field(default=6, ge=2, le=26)
    opsbot_drift_k: float = Field(default=0.5, ge=0)
    opsbot_drift_h: float = Field(default=8.0, gt=0)

    # Expensive work (why, chart, break-down, proposals) waits in one bounded queue: at most
    # this many jobs queued or running, this many per user, and this many running at once.
    opsbot_work_queue_size: int = Field(default=32, ge=1)
    opsbot_work_queue_per_user: int = Field(default=4, ge=1)
    opsbot_work_queue_workers: int = Field(default=2, ge=1)

    # Check-ins: the in-process scheduler ("off" when `opsbot scheduler` runs apart) and how
    # late a run missed while down may still be posted.
    opsbot_scheduler: Literal["on", "off"] = "on"
    opsbot_catchup_grace_hours: float = Field(default=6.0, ge=0)

    # Escalations: policy areas (slug=Label, comma-separated), Jira field mapping, outbox tuning.
    opsbot_policy_areas: str = (
        "account-integrity=Account integrity,impersonation=Impersonation,"
        "account-security=Account security,copyright=Copyright,trademark=Trademark,"
        "compliance=Compliance,tos-appeals=ToS appeals,other=Other"
    )
    jira_escalation_issue_type: str = "Task"
    jira_root_cause_field: str | None = None
    jira_components_by_area: dict[str, list[str]] = Field(default_factory=dict)
    jira_custom_fields: dict[str, str] = Field(default_factory=dict)
    jira_timeout_seconds: float = Field(default=30.0, gt=0)
    # Threads of the Jira client's own pool: at most this many Jira calls at once.
    jira_workers: int = Field(default=4, ge=1, le=100)
    opsbot_outbox_max_attempts: int = Field(default=8, ge=1)
    opsbot_outbox_base_delay: float = Field(default=2.0, ge=0)
    opsbot_outbox_max_delay: float = Field(default=600.0, gt=0)
    opsbot_outbox_poll_seconds: float = Field(default=5.0, gt=0)
    # How long a running job is a worker's own; after it, a crashed worker's job runs again.
    # Longer than the slowest call (JIRA_TIMEOUT_SECONDS) so a live worker is never overtaken.
    opsbot_outbox_lease_seconds: float = Field(default=120.0, gt=0)

    # Initiatives, suggestions, KPI rules and the weekly team summary.
    jira_epic_issue_type: str = "Epic"
    jira_story_issue_type: str = "Story"
    opsbot_team_channel: str | None = None
    opsbot_initiative_channel: str | None = None
    opsbot_initiative_near_days: int = Field(default=14, ge=0)
    opsbot_initiative_stale_days: int = Field(default=14, ge=1)
    # Nudges for stale work (commands/nudges/parsing.py): RULE=DURATION|off, quiet=FROM-TO.
    opsbot_nudges: str = ""
    # Public base URL of opsbot's own pages: links to /escalations/KEY and /initiatives/KEY
    # unfurl like Jira browse links (declare its host in the manifest's unfurl_domains).
    opsbot_public_url: str | None = None
    # SEV1 channels (commands/incident_channels): off unless "on"; responders are user ids
    # and/or one user group (S…) invited to each; the channel is archived this long after
    # the escalation is resolved.
    opsbot_sev1_channels: Literal["on", "off"] = "off"
    opsbot_sev1_responders: str = ""
    opsbot_sev1_archive_hours: float = Field(default=24.0, ge=0)
    opsbot_summary_schedule: str = "every:mon 09:00"
    opsbot_rule_dedupe_days: int = Field(default=7, ge=1)

    # Knowledge base: an article not reviewed for this many days is listed as stale.
    opsbot_kb_review_days: int = Field(default=180, ge=1)
    # Training: agent assessments pulled from an HTTP export shaped like the KPI source's.
    opsbot_assessment_source_url: str | None = None
    opsbot_assessment_source_token: SecretStr | None = None
    opsbot_assessment_pull_minutes: int = Field(default=60, ge=1)
    # Routing: Service Cloud (Salesforce) case pull. A session/OAuth token with the instance
    # URL, or username + password + security token; Case field API names for the columns.
    salesforce_instance_url: str | None = None
    salesforce_session_id: SecretStr | None = None
    salesforce_username: str | None = None
    salesforce_password: SecretStr | None = None
    salesforce_security_token: SecretStr | None = None
    salesforce_domain: str = "login"
    salesforce_api_version: str = "59.0"
    salesforce_reason_field: str = "Reason"
    salesforce_channel_field: str = "Origin"
    salesforce_first_response_field: str | None = None
    salesforce_vendor_field: str | None = None
    salesforce_country_field: str | None = None
    salesforce_language_field: str | None = None
    salesforce_pull_minutes: int = Field(default=60, ge=1)
    salesforce_pull_days: int = Field(default=2, ge=1, le=90)

    port: int = Field(default=3000, ge=1, le=65535)

    @field_validator("opsbot_metrics_file")
    @classmethod
    def _usable_metrics_file(cls, value: str | None) -> str | None:
        from commands.kpi.registry import MetricsFileError, load_registry

        try:
            load_registry(value)
        except MetricsFileError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("opsbot_nudges")
    @classmethod
    def _readable_nudges(cls, value: str) -> str:
        from commands.nudges.parsing import parse_policy
        from integrations.errors import UsageError

        try:
            parse_policy(value)
        except UsageError as exc:
            raise ValueError(f"{exc.user_message} ({exc.usage})") from None
        return value

    @field_validator("opsbot_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def admin_user_ids(self) -> frozenset[str]:
        """Return the user ids named in OPSBOT_ADMINS."""
        return frozenset(p for p in _admin_parts(self.opsbot_admins) if not p.startswith("S"))

    @property
    def admin_group_id(self) -> str | None:
        """Return the user-group id (S…) named in OPSBOT_ADMINS, if any."""
        groups = [p for p in _admin_parts(self.opsbot_admins) if p.startswith("S")]
        return groups[0] if groups else None

    @model_validator(mode="after")
    def _lease_outlives_a_jira_call(self) -> Settings:
        if self.opsbot_outbox_lease_seconds <= self.jira_timeout_seconds:
            raise ValueError(
                "OPSBOT_OUTBOX_LEASE_SECONDS must be longer than JIRA_TIMEOUT_SECONDS, or a "
                "slow job would run twice"
            )
        return self

    def secret_values(self) -> list[str]:
        """Return every secret setting's value, so logging can redact all of them."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]

    @property
    def pool_options(self) -> PoolOptions:
        """Return the database pool sizes (the worker pool is sized from them)."""
        return PoolOptions(
            pool_size=self.opsbot_db_pool_size,
            max_overflow=self.opsbot_db_max_overflow,
            pool_timeout=self.opsbot_db_pool_timeout,
            worker_threads=self.opsbot_db_workers,
        )

    @property
    def jira_configured(self) -> bool:
        """Tell whether Jira is configured; without it the local tracker is used."""
        return bool(self.jira_url)

    def require_for(self, mode: Mode) -> None:
        """Refuse to start `mode` with missing or placeholder credentials."""
        needed: list[str] = []
        if mode == "serve":
            needed = ["slack_bot_token", "slack_signing_secret"]
        elif mode == "socket":
            needed = ["slack_bot_token", "slack_app_token"]
        for name in needed:
            _require_secret(name, getattr(self, name))
        if mode == "socket":
            token = self.slack_app_token
            if token is not None and not token.get_secret_value().startswith("xapp-"):
                raise ConfigurationError("SLACK_APP_TOKEN must be an app-level token (xapp-…)")
        if self.jira_url:
            if self.jira_pat is None:
                if not self.jira_email:
                    raise ConfigurationError("JIRA_EMAIL is required when JIRA_URL is set")
                _require_secret("jira_api_token", self.jira_api_token)
            else:
                _require_secret("jira_pat", self.jira_pat)


def _require_secret(name: str, value: SecretStr | None) -> None:
    if value is None or value.get_secret_value().strip().lower() in _PLACEHOLDERS:
        raise ConfigurationError(
            f"{name.upper()} is missing or a placeholder; set it in the environment or .env"
        )


def _admin_parts(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]
