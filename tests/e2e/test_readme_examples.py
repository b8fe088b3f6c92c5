"""The README's slash-command examples, typed as written into the shell, all work."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from rich.console import Console

from bot.app import create_app
from bot.offline.shell import LOCAL_SECRET, LOCAL_TOKEN, ShellSession
from bot.offline.shell_workspace import furnish_workspace, with_local_admin
from bot.offline.slack import LocalSlack
from bot.runtime import build_runtime
from bot.settings import Settings
from commands.kpi.importing import write_batches
from integrations.kpi_sources.csv_reader import read_kpi_csv
from storage.engine import unit_of_work
from tests.integration.test_checkin_runs import Clock
from tests.integration.test_honest_numbers import MONDAY_MANILA, steady_csv

README = Path(__file__).resolve().parents[2] / "README.md"
# Forms with placeholders (KEY, TEXT, [options], a|b) are grammar, not examples.
_PLACEHOLDER = re.compile(
    r"[\[\]|…]|@owner|\b(KEY|TEXT|VENDOR|ID|NAME|SLUG|PERIOD|KPI|COMMAND|N|ZONE|SEV)\b"
)
# These open a modal, which the shell turns into prompts read from the terminal.
_MODAL = {"/initiative new"}


def readme_examples() -> list[tuple[str, str | None]]:
    """Return each runnable example with the answer the README promises for it, if any."""
    text = README.read_text(encoding="utf-8")
    found: dict[str, str | None] = {}
    for match in re.finditer(r"`(/[a-z]+ [^`\n]+)`(?:\s*→\s*\"([^\"]+)\")?", text):
        example, promised = match[1], match[2]
        if _PLACEHOLDER.search(example) or example in _MODAL:
            continue
        found.setdefault(example, promised)
    return list(found.items())


def test_the_readme_has_the_examples_a_new_team_types_first() -> None:
    examples = dict(readme_examples())
    assert (
        '/checkin add vendor:"Acme BPO" channel:#acme-idops every:"mon 09:00" tz:Asia/Manila'
        in (examples)
    )
    assert any(e.startswith("/escalate sev2 impersonation") for e in examples)
    assert any(e.startswith("/opsbot vendor ") for e in examples)
    assert "/kpi week" in examples


@pytest.fixture
async def shell(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[ShellSession, io.StringIO]]:
    """A shell as `opsbot shell` builds it (no OPSBOT_ADMINS), on steady acme/globex data."""
    out = io.StringIO()
    with LocalSlack(token=LOCAL_TOKEN) as local:
        local.add_user("U0LOCAL1", "u0local1")
        local.add_channel("C0LOCAL1", "shell")
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database_url,
            slack_bot_token=SecretStr(LOCAL_TOKEN),
            slack_signing_secret=SecretStr(LOCAL_SECRET),
            slack_api_url=local.api_url,
        )
        settings = settings.model_copy(
            update={"opsbot_admins": with_local_admin(settings, "U0LOCAL1")}
        )
        runtime = build_runtime(settings)
        with unit_of_work(runtime.sessions) as db:
            batch = read_kpi_csv(steady_csv(tmp_path), timezone="UTC")
            write_batches(session=db, batches=[batch])
        runtime.clock = Clock(MONDAY_MANILA)
        furnish_workspace(local, runtime)
        console = Console(file=out, width=200, highlight=False)
        session = ShellSession(create_app(runtime), local, console, "U0LOCAL1", "C0LOCAL1")
        await runtime.start()
        try:
            yield session, out
        finally:
            session.close()
            await runtime.aclose()


async def test_every_readme_example_works_in_the_shell_as_written(
    shell: tuple[ShellSession, io.StringIO],
) -> None:
    session, out = shell
    for example, promised in readme_examples():
        start = out.tell()
        outcome = await session.run_line(example)
        said = out.getvalue()[start:]
        assert "Sorry, something went wrong" not in said, (example, said)
        if promised is not None:  # a deliberate mistake, answered as the README says
            # The shell shows code spans as Slack does: their text, without the backticks.
            assert promised.split(";")[0].replace("`", "") in said, (example, said)
            continue
        assert outcome == "ok", (example, said)
        for refusal in ("Only opsbot admins", "No channel called", "I know no vendor"):
            assert refusal not in said, (example, said)


def test_local_admin_is_added_to_the_configured_ones() -> None:
    settings = Settings(_env_file=None, opsbot_admins="U0BOSS")  # type: ignore[call-arg]
    assert with_local_admin(settings, "U0LOCAL1") == "U0BOSS,U0LOCAL1"
