"""The `opsbot` command line: serve, socket, shell, db, and the feature commands."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from bot.logging_setup import configure_logging
from bot.settings import ConfigurationError, Mode, Settings
from storage.engine import make_engine
from storage.migrate import upgrade_database

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

app = typer.Typer(
    name="opsbot",
    help="Slack chat-ops bot: KPI snapshots, Jira escalations and initiatives, vendor check-ins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: no boxes hard-wrapped at 80 columns, no `<bool>` after every flag.
    rich_markup_mode=None,
)
db_app = typer.Typer(rich_markup_mode=None, help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

EXIT_USAGE = 2


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Import without the cyclic garbage collector, then put it back as it was.

    Importing the command families builds thousands of classes, tables and functions that
    live as long as the process; the collector would walk them again and again for nothing
    (about a tenth of an `opsbot shell -c`). Nothing here makes garbage cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print `message` on stderr and return the Exit to raise."""
    typer.echo(f"opsbot: {message}", err=True)
    return typer.Exit(code)


def load_settings(mode: Mode, **overrides: object) -> Settings:
    """Read and check settings for `mode`; exit 2 with one clear line when they cannot run it."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
        settings.require_for(mode)
    except ConfigurationError as exc:
        raise fail(str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise fail(f"{name}: {first['msg']}") from None
    # The shell shows what Slack would show: only warnings and errors reach its terminal.
    configure_logging(
        level="WARNING" if mode == "shell" else "INFO", secrets=settings.secret_values()
    )
    return settings


def migrate(settings: Settings) -> None:
    """Apply pending migrations to the configured database."""
    engine = make_engine(settings.database_url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


@contextlib.contextmanager
def migrated_engine(settings: Settings) -> Iterator[Engine]:
    """Apply pending migrations, then yield an engine on the database, disposed at the end."""
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations."""
    settings = load_settings("cli")
    migrate(settings)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "0.0.0.0",  # noqa: S104 - a container must listen beyond loopback
    port: Annotated[int | None, typer.Option(help="Port (default: PORT setting).")] = None,
) -> None:
    """Run in HTTP mode: /slack/events, /jira/webhook, /healthz, /readyz, /metrics."""
    import uvicorn

    from bot.app import create_app
    from bot.runtime import build_runtime
    from bot.server import create_http_app

    settings = load_settings("serve")
    migrate(settings)
    runtime = build_runtime(settings)
    http_app = create_http_app(create_app(runtime))
    uvicorn.run(http_app, host=host, port=port or settings.port, log_config=None, access_log=False)


@app.command()
def socket() -> None:
    """Run over Socket Mode (no public URL needed)."""
    from bot.socket_mode import run_socket_mode

    settings = load_settings("socket")
    migrate(settings)
    asyncio.run(run_socket_mode(settings))


@app.command()
def shell(
    command: Annotated[
        str | None, typer.Option("-c", "--command", help="Run one command and exit.")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="Slack user id to act as.")] = "U0LOCAL1",
    channel: Annotated[str, typer.Option("--channel", help="Channel id to type in.")] = "C0LOCAL1",
) -> None:
    """Run the real bot offline: type slash commands, see what it would post."""
    with quiet_collector():
        from bot.offline.shell import run_shell
    # What start-up built lives until exit: later collections need not walk it again.
    gc.freeze()

    settings = load_settings("shell")
    migrate(settings)
    code = asyncio.run(run_shell(settings, command=command, user_id=user, channel_id=channel))
    raise typer.Exit(code)


# Feature CLIs live beside their owners; each module exposes register_cli(app).
FEATURE_CLI_MODULES: tuple[str, ...] = (
    "bot.cli_kpi",
    "bot.cli_demo",
    "bot.cli_outbox",
    "bot.cli_scheduler",
    "bot.cli_kb",
    "bot.cli_routing",
    "bot.cli_training",
)
with quiet_collector():
    for _module in FEATURE_CLI_MODULES:
        importlib.import_module(_module).register_cli(app)
    app.command("rca")(importlib.import_module("bot.cli_rca").rca)


def main() -> None:
    """Entry point of the `opsbot` console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
