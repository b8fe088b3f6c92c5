"""Tokens and secrets never reach a log record, a traceback or a message sent to Slack."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logging_setup import configure_logging
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import BOT_TOKEN, Dispatch
from tests.fakes.jira_server import FakeJira
from tests.support.answers import settle
from tests.support.slack_requests import SIGNING_SECRET, slash_command

JIRA_TOKEN = "jira-api-token-SECRET-0123456789"
WEBHOOK_SECRET = "jira-webhook-secret-SECRET-0123"


@pytest.fixture
def settings_overrides(fake_jira: FakeJira) -> dict[str, Any]:
    fake_jira.require_auth("bot@example.com", JIRA_TOKEN)
    return {
        "jira_url": fake_jira.url,
        "jira_email": "bot@example.com",
        "jira_api_token": JIRA_TOKEN,
        "jira_webhook_secret": WEBHOOK_SECRET,
        "opsbot_outbox_base_delay": 0.01,
        "opsbot_outbox_max_delay": 0.05,
    }


class Collect(logging.Handler):
    """Keep every record as the operator's log file would show it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs(settings: Settings) -> Iterator[Collect]:
    """Log at DEBUG through the production redacting filter; collect what it lets out."""
    root = logging.getLogger()
    level = root.level
    redactor = configure_logging(level="DEBUG", secrets=settings.secret_values())
    collect = Collect()
    collect.addFilter(redactor)
    root.addHandler(collect)
    yield collect
    root.removeHandler(collect)
    for handler in list(root.handlers):
        if getattr(handler, "_opsbot", False):
            root.removeHandler(handler)
    root.setLevel(level)


SECRETS = (BOT_TOKEN, SIGNING_SECRET, JIRA_TOKEN, WEBHOOK_SECRET)


def leaks(text: str) -> list[str]:
    """Return the secrets `text` contains."""
    return [s for s in SECRETS if s in text]


@pytest.mark.parametrize("fault", ["500", "refused"])
async def test_failing_jira_and_slack_calls_leak_no_secret(
    dispatch: Dispatch,
    runtime: Runtime,
    local_slack: LocalSlack,
    fake_jira: FakeJira,
    logs: Collect,
    capfd: pytest.CaptureFixture[str],
    fault: str,
) -> None:
    settings = runtime.settings
    assert set(SECRETS) <= set(settings.secret_values())
    if fault == "500":
        fake_jira.fail_next("*", status=500, times=50)
    else:
        fake_jira.down(refuse=fault == "refused")
    local_slack.fail_next("chat.postMessage", status=500, times=3)
    local_slack.fail_next("chat.postEphemeral", status=503, times=3)
    response_url = local_slack.response_url(channel="C0OPS")
    filed = await dispatch(
        slash_command("/escalate", 'sev2 other "Token check"', response_url=response_url)
    )
    await dispatch(slash_command("/escalation", "ESC-1", response_url=response_url))
    await dispatch(slash_command("/escalation", "list", response_url=response_url))
    await settle(runtime, within=20.0)
    assert filed.status == 200
    # An unexpected failure too: an invalid token makes Slack refuse every call.
    local_slack.token = "xoxb-another-token-0000000000"
    await dispatch(slash_command("/kpi", "week chart", response_url=response_url))
    await settle(runtime, within=20.0)
    logged = "\n".join(logs.lines) + capfd.readouterr().err
    assert logs.lines, "nothing was logged: the test proves nothing"
    assert any(("jira" in line.lower() or "outbox" in line.lower()) for line in logs.lines)
    assert not leaks(logged), leaks(logged)
    sent = json.dumps([c.args for c in local_slack.calls], default=str)
    sent += json.dumps(local_slack.ephemeral_messages(), default=str)
    assert not leaks(sent), leaks(sent)
