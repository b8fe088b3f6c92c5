"""`opsbot shell`: typed commands through the real app, modals answered at prompts."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import text

from storage.engine import make_engine
from tests.support.moved_clock import opsbot_command


def run_shell(database_url: str, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "JIRA_", "OPSBOT_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        opsbot_command("shell", *args),
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_modal_becomes_prompts_and_its_submission_goes_through_the_app(
    empty_database_url: str,
) -> None:
    answers = "\n".join(
        [
            "/escalate",
            "",  # title left empty: the modal's own validation answers under the field
            "impersonation",
            "sev3",
            "40",  # affected accounts (no vendor field: no vendors are known yet)
            "A wave of clones",
            "",  # links
            "Cloned brand accounts",  # the title again, after the error
            "!quit",
            "",
        ]
    )
    result = run_shell(empty_database_url, answers)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "┌ Escalate" in out
    assert "└ submitted" in out
    assert "saved (#1)" in out
    # The outbox filed it on the local tracker and the channel message got its key.
    assert "ESC-1" in out
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT title, severity FROM escalation")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("Cloned brand accounts", 3)


def test_buttons_are_numbered_and_clickable(empty_database_url: str) -> None:
    script = '/escalate sev2 impersonation "Brand account cloned" \n!click 1\n!quit\n'
    result = run_shell(empty_database_url, script)
    assert result.returncode == 0, result.stderr
    assert "1: Acknowledge" in result.stdout
    assert "In Progress" in result.stdout
