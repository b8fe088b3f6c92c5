"""`opsbot scheduler`: run the check-in scheduler alone, for deployments that split it out.

The HTTP or Socket Mode processes then run with OPSBOT_SCHEDULER=off. Several scheduler
processes may run against one PostgreSQL database: the digest_run claims keep each digest
to one post.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from bot.settings import Settings

log = logging.getLogger("opsbot.scheduler")


def register_cli(app: typer.Typer) -> None:
    """Add the `scheduler` command."""
    app.command("scheduler")(scheduler)


def scheduler() -> None:
    """Run the check-in scheduler (digests, catch-up, retries, action reminders) alone."""
    from bot.cli import load_settings, migrate

    settings = load_settings("cli")
    if settings.slack_bot_token is None:
        raise typer.Exit(_missing_token())
    migrate(settings)
    asyncio.run(run_scheduler(settings))


def _missing_token() -> int:
    typer.echo("opsbot: SLACK_BOT_TOKEN is required to post digests", err=True)
    return 2


async def run_scheduler(settings: Settings) -> None:
    """Start the runtime with the scheduler on and wait for SIGINT or SIGTERM."""
    from bot.runtime import build_runtime

    runtime = build_runtime(settings.model_copy(update={"opsbot_scheduler": "on"}))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    log.info("scheduler running")
    try:
        await stop.wait()
    finally:
        await runtime.aclose()
        log.info("scheduler stopped")
