"""`opsbot serve` as a real process: signed Slack requests over HTTP, health, bad start-ups."""

from __future__ import annotations

import subprocess

import httpx

from bot.offline.slack import LocalSlack
from tests.conftest import BOT_TOKEN
from tests.support.moved_clock import opsbot_command
from tests.support.servers import free_port, opsbot_process
from tests.support.slack_requests import SIGNING_SECRET, slash_command


def serve_env(database_url: str, local_slack: LocalSlack, port: int) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": local_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }


def test_serve_answers_signed_commands_and_refuses_forged_ones(
    empty_database_url: str, local_slack: LocalSlack
) -> None:
    port = free_port()
    env = serve_env(empty_database_url, local_slack, port)
    with opsbot_process(["serve", "--host", "127.0.0.1"], env, port=port) as base:
        # `serve` migrated the empty database at start.
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        body, headers = slash_command("/opsbot", "help")
        answer = httpx.post(f"{base}/slack/events", content=body, headers=headers)
        assert answer.status_code == 200
        assert "/opsbot help" in answer.json()["text"]
        forged = httpx.post(
            f"{base}/slack/events", content=body.replace("help", "nope"), headers=headers
        )
        assert forged.status_code == 401
        metrics = httpx.get(f"{base}/metrics").text
        assert 'opsbot_requests_total{name="/opsbot",outcome="ok"} 1.0' in metrics
    # The only Slack call was Bolt's auth.test: the answer went back in the HTTP response.
    assert [c.method for c in local_slack.calls] == ["auth.test"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        opsbot_command(*args),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_serve_without_credentials_exits_2_naming_the_variable(empty_database_url: str) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "JIRA_", "OPSBOT_"))}
    env["DATABASE_URL"] = empty_database_url
    result = run_cli("serve", env=env)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is missing or a placeholder" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_shell_command(empty_database_url: str) -> None:
    import os

    env = {**os.environ, "DATABASE_URL": empty_database_url}
    upgraded = run_cli("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database is up to date" in upgraded.stdout
    helped = run_cli("shell", "-c", "/opsbot help", env=env)
    assert helped.returncode == 0, helped.stderr
    assert "/opsbot help COMMAND" in helped.stdout
    wrong = run_cli("shell", "-c", "/opsbot frobnicate", env=env)
    assert wrong.returncode == 2
    assert "is not a command I know" in wrong.stdout
