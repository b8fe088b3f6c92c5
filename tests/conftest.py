"""Shared fixtures: clean environment, every database backend, local Slack and Jira, the app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.response import BoltResponse
from sqlalchemy.engine import Engine

from bot.app import OpsbotApp, create_app
from bot.offline.slack import LocalSlack
from bot.runtime import Runtime, build_runtime
from bot.server import create_http_app
from bot.settings import Settings
from storage.engine import make_engine
from storage.migrate import upgrade_database
from tests.fakes.jira_server import FakeJira
from tests.support import moved_clock
from tests.support.databases import BACKENDS, fresh_database, migrated_template
from tests.support.demo_databases import DemoTemplates
from tests.support.payload_scan import assert_sound_answer, assert_sound_calls
from tests.support.servers import uvicorn_in_thread
from tests.support.slack_requests import SIGNING_SECRET, to_bolt_request

BOT_TOKEN = "xoxb-test-0123456789-abcdefghij"
ADMIN_ID = "U0ADMIN"
_PREFIXES = ("SLACK_", "JIRA_", "OPSBOT_", "SALESFORCE_")


def _clock_line(config: pytest.Config) -> str:
    seed = os.environ.get(moved_clock.SEED_VARIABLE, "")
    offset = config.stash.get(_OFFSET, None)
    if not offset:
        return "clock: the machine's own (set TEST_CLOCK_SEED to move it)"
    sign = "+" if offset.total_seconds() >= 0 else "-"
    return (
        f"clock: moved by {sign}{abs(offset)} ({moved_clock.SEED_VARIABLE}={seed});"
        f" reproduce with {moved_clock.SEED_VARIABLE}={seed} make test"
    )


_OFFSET = pytest.StashKey[timedelta]()


def pytest_configure(config: pytest.Config) -> None:
    """Move the clock for the whole run when TEST_CLOCK_SEED is set (CI sets a random one)."""
    offset = moved_clock.offset_for_seed(os.environ.get(moved_clock.SEED_VARIABLE, ""))
    config.stash[_OFFSET] = offset
    moved_clock.start(offset)


def pytest_report_header(config: pytest.Config) -> str:
    """Print the clock offset first, so a failing run can be reproduced."""
    return _clock_line(config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the clock offset last too: it is what a reader of a red run needs."""
    terminalreporter.write_line(_clock_line(config))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Start every test without the developer's SLACK_*, JIRA_*, OPSBOT_* or DATABASE_URL."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name, raising=False)
    # Settings read `.env` from the working directory; a test runs where there is none.
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrate one template database per backend for the whole run."""
    directory = tmp_path_factory.mktemp("templates")
    with ExitStack() as stack:
        yield {b: stack.enter_context(migrated_template(b, directory)) for b in BACKENDS}


@pytest.fixture(scope="session")
def demo_templates(
    templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoTemplates]:
    """Load each demo year a test asks for once per run (per worker), to copy per test."""
    directory = tmp_path_factory.mktemp("demo-templates")
    with ExitStack() as stack:
        yield DemoTemplates(directory, templates, stack)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name the backend under test: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    return str(request.param)


@pytest.fixture
def migrated_database_url(backend: str, tmp_path: Path, templates: dict[str, str]) -> Iterator[str]:
    """Yield the URL of a migrated database of this test's own."""
    with fresh_database(backend, tmp_path, template=templates[backend]) as url:
        yield url


@pytest.fixture
def database_url(migrated_database_url: str) -> str:
    """Return this test's database URL (a module whose tests start on demo data overrides it)."""
    return migrated_database_url


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database (no migrations applied)."""
    with fresh_database(backend, tmp_path / "empty") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Yield an engine on this test's migrated database."""
    engine = make_engine(database_url)
    upgrade_database(engine)  # a no-op at head; proves the template is current
    yield engine
    engine.dispose()


@pytest.fixture
def local_slack() -> Iterator[LocalSlack]:
    """Yield a running local Slack Web API that records every call.

    At the end every payload it received must have been valid Block Kit, with no ping from
    user text: every test proves that of whatever it made the bot send.
    """
    with LocalSlack(token=BOT_TOKEN) as slack:
        yield slack
        assert_sound_calls(slack)


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    """Yield a running fake Jira Cloud."""
    with FakeJira() as jira:
        yield jira


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override to change settings for the tests of one module (e.g. Jira on)."""
    return {}


@pytest.fixture
def settings(
    database_url: str, local_slack: LocalSlack, settings_overrides: dict[str, Any]
) -> Settings:
    """Settings for a bot talking to the local Slack, with U0ADMIN as the only admin."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": local_slack.api_url,
        "database_url": database_url,
        "opsbot_admins": ADMIN_ID,
    }
    values.update(settings_overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def runtime(settings: Settings, engine: Engine) -> AsyncIterator[Runtime]:
    """Yield the runtime (not started: tests that need the outbox or scheduler start it)."""
    runtime = build_runtime(settings, engine=engine)
    yield runtime
    await runtime.aclose()


@pytest.fixture
def app(runtime: Runtime) -> OpsbotApp:
    """Return the Bolt app on the test runtime."""
    return create_app(runtime)


Dispatch = Callable[[tuple[str, dict[str, str]]], Awaitable[BoltResponse]]


@pytest.fixture
def dispatch(app: OpsbotApp) -> Dispatch:
    """Return `await dispatch((body, headers))`: the front door, then background work drained.

    The ack body is checked like a payload sent to Slack: valid Block Kit, no unescaped ping.
    """

    async def run(request: tuple[str, dict[str, str]]) -> BoltResponse:
        body, headers = request
        response = await app.async_dispatch(to_bolt_request(body, headers))
        await app.runtime.background.drain()
        await app.runtime.audit.flush()
        assert_sound_answer(response)
        return response

    return run


@pytest.fixture
def http_server(app: OpsbotApp) -> Iterator[str]:
    """Serve the full HTTP app (Slack events, Jira webhook, health) and yield its URL."""
    with uvicorn_in_thread(create_http_app(app)) as url:
        yield url
