"""`opsbot shell -c` and the CLI print what Slack would show, and exit as the README says."""

from __future__ import annotations

import os
import subprocess

from tests.support.moved_clock import opsbot_command


def _run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "JIRA_", "OPSBOT_"))}
    env["DATABASE_URL"] = database_url
    env["COLUMNS"] = "80"  # what a pipe or a narrow terminal reports
    return subprocess.run(
        opsbot_command(*args),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_long_lines_are_not_hard_wrapped_and_code_is_shown_as_slack_shows_it(
    empty_database_url: str,
) -> None:
    result = _run(empty_database_url, "shell", "-c", "/kpi wek")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # The usage block's PERIOD line is longer than 80 columns and stays one line.
    (period,) = [line for line in lines if "PERIOD:" in line]
    assert "last-week" in period and len(period) > 80
    assert "```" not in result.stdout and "`" not in result.stdout
    # Every line of the message keeps the message's margin.
    message = lines[lines.index("opsbot (only you)") + 1 :]
    assert message and all(line.startswith("  ") for line in message)


def test_refusals_exit_2_and_unknown_commands_get_an_answer(empty_database_url: str) -> None:
    not_found = _run(empty_database_url, "shell", "-c", "/escalation ESC-999")
    assert not_found.returncode == 2
    assert "ESC-999" in not_found.stdout

    unknown = _run(empty_database_url, "shell", "-c", "/nosuch")
    assert unknown.returncode == 2
    assert "opsbot has no command /nosuch" in unknown.stdout
    assert "@app.command" not in unknown.stdout + unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_the_shell_prints_no_log_chatter(empty_database_url: str) -> None:
    result = _run(
        empty_database_url, "shell", "-c", '/escalate sev2 impersonation "Cloned brand page"'
    )
    assert result.returncode == 0, result.stderr
    assert "ESC-1" in result.stdout
    # Only warnings and errors reach the terminal; a normal filing has none.
    assert " INFO " not in result.stderr and "retry" not in result.stderr
    assert "Traceback" not in result.stderr


def test_help_is_plain_and_the_import_help_lists_the_csv_columns(
    empty_database_url: str,
) -> None:
    top = _run(empty_database_url, "--help")
    assert top.returncode == 0
    assert "<bool>" not in top.stdout and "╭" not in top.stdout
    kpi_import = _run(empty_database_url, "kpi", "import", "--help")
    assert kpi_import.returncode == 0
    for column in (
        "date or hour",
        "queue, vendor, country",
        "manual_incoming",
        "solve_age_seconds",
    ):
        assert column in kpi_import.stdout
