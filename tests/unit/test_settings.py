"""Settings: names from DESIGN.md, secrets kept secret, bad credentials refused at start."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import ConfigurationError, Settings


def make(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_match_the_design() -> None:
    settings = make()
    assert settings.database_url == "sqlite:///opsbot.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.jira_escalation_project, settings.jira_initiative_project) == ("ESC", "INIT")
    assert settings.opsbot_timezone == "UTC" and settings.port == 3000
    assert not settings.jira_configured


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking-token")
    monkeypatch.setenv("OPSBOT_ADMINS", "U1, U2,S0GROUP")
    monkeypatch.setenv("JIRA_URL", "https://example.atlassian.net")
    settings = make()
    assert settings.admin_user_ids == frozenset({"U1", "U2"})
    assert settings.admin_group_id == "S0GROUP"
    assert settings.jira_configured
    assert "xoxb-real-looking-token" not in repr(settings)


def test_dotenv_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    Path(".env").write_text("OPSBOT_TIMEZONE=Europe/Dublin\n")
    assert Settings().opsbot_timezone == "Europe/Dublin"


@pytest.mark.parametrize(
    ("mode", "values", "named"),
    [
        ("serve", {}, "SLACK_BOT_TOKEN"),
        ("serve", {"slack_bot_token": "xoxb-1234567"}, "SLACK_SIGNING_SECRET"),
        (
            "serve",
            {"slack_bot_token": "changeme", "slack_signing_secret": "abcdefgh"},
            "SLACK_BOT_TOKEN",
        ),
        ("socket", {"slack_bot_token": "xoxb-1234567"}, "SLACK_APP_TOKEN"),
        (
            "serve",
            {
                "slack_bot_token": "xoxb-1",
                "slack_signing_secret": "abcdefgh",
                "jira_url": "https://j",
            },
            "JIRA_EMAIL",
        ),
        (
            "serve",
            {
                "slack_bot_token": "xoxb-1",
                "slack_signing_secret": "abcdefgh",
                "jira_url": "https://j",
                "jira_email": "a@b.c",
                "jira_api_token": "",
            },
            "JIRA_API_TOKEN",
        ),
    ],
)
def test_missing_or_placeholder_credentials_name_the_variable(
    mode: str, values: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        make(**values).require_for(mode)  # type: ignore[arg-type]


def test_socket_mode_needs_an_app_level_token() -> None:
    settings = make(slack_bot_token="xoxb-1", slack_app_token="xoxb-not-app")
    with pytest.raises(ConfigurationError, match="xapp-"):
        settings.require_for("socket")


def test_shell_needs_no_credentials() -> None:
    make().require_for("shell")


def test_jira_pat_replaces_email_and_token() -> None:
    make(
        slack_bot_token="xoxb-1",
        slack_signing_secret="abcdefgh",
        jira_url="https://j",
        jira_pat="pat-123456",
    ).require_for("serve")


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        make(opsbot_timezone="Mars/Olympus")


def test_every_secret_setting_is_listed_for_redaction() -> None:
    settings = make(
        slack_bot_token="xoxb-aaaaaaaa",
        slack_signing_secret="signing-bbbbbbbb",
        jira_api_token="jira-cccccccc",
        opsbot_kpi_source_token="pull-dddddddd",
    )
    secrets = set(settings.secret_values())
    assert {"xoxb-aaaaaaaa", "signing-bbbbbbbb", "jira-cccccccc", "pull-dddddddd"} <= secrets


def test_outbox_lease_must_outlive_a_jira_call() -> None:
    with pytest.raises(ValidationError, match="OPSBOT_OUTBOX_LEASE_SECONDS"):
        make(jira_timeout_seconds=60, opsbot_outbox_lease_seconds=30)
