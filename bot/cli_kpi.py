"""`opsbot kpi import FILE…`: validate every file, then replace their rows in one transaction."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bot.family_configs import spike_params
from bot.settings import Settings
from commands.kpi.alerts import announce_spikes
from commands.kpi.importing import find_spikes, import_csv_files
from commands.kpi.registry import KpiRegistry, MetricsFileError, load_registry
from integrations.csv_rows import BadRows, RowProblems
from integrations.kpi_sources.csv_reader import read_kpi_csv
from integrations.kpi_sources.records import KpiBatch
from storage.engine import SessionFactory, make_engine, session_factory, unit_of_work

kpi_app = typer.Typer(rich_markup_mode=None, help="KPI data.", no_args_is_help=True)
LARGE_FILE_BYTES = 2_000_000


def _changed(changed: int, rows: int) -> str:
    """Say how much of the import was new: a re-import of the same file changes nothing."""
    if changed == 0 and rows:
        return "nothing new or changed: these rows were already stored"
    return f"{changed:,} new or changed"


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot kpi …` to the main CLI."""
    app.add_typer(kpi_app, name="kpi")


def _read(path: Path, timezone: str, console: Console, problems: RowProblems) -> KpiBatch:
    size = path.stat().st_size if path.exists() else 0
    if size < LARGE_FILE_BYTES:
        return read_kpi_csv(path, timezone=timezone, problems=problems)
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"reading {path.name}", total=lines)
        return read_kpi_csv(
            path,
            timezone=timezone,
            progress=lambda line: progress.update(task, completed=line),
            problems=problems,
        )


@kpi_app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="KPI CSV files (date or hour rows).")],
) -> None:
    """Import KPI CSV files idempotently; a bad file changes nothing (exit 2).

    \b
    Columns (header line first, any order; docs/kpi-csv.md has the details):
      date or hour      YYYY-MM-DD, or ISO 8601 hour (UTC unless an offset is given)
      dimensions        any of queue, vendor, country, language, channel
      measures          any of incoming, manual_incoming, solved, manual_solved,
                        handle_seconds, handled, solve_age_seconds
                        (non-negative; a missing column is absent data, not zero)
    """
    from bot.cli import fail, load_settings, migrate

    settings = load_settings("cli")
    try:
        registry = load_registry(settings.opsbot_metrics_file)
    except MetricsFileError as exc:
        raise fail(str(exc)) from None
    console = Console(stderr=True)
    started = time.perf_counter()
    # Nothing is kept unless every row of every file is good; all bad rows are reported.
    problems = RowProblems()
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        try:
            with unit_of_work(sessions) as session:
                summary = import_csv_files(
                    session=session,
                    paths=files,
                    timezone=settings.opsbot_timezone,
                    problems=problems,
                    read=lambda path: _read(path, settings.opsbot_timezone, console, problems),
                )
                new = find_spikes(session=session, registry=registry, params=spike_params(settings))
        except BadRows as exc:
            raise fail(str(exc)) from None
        posted = _announce(settings, registry, sessions)
        opened = run_import_hooks_for_cli(settings, engine)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    typer.echo(
        f"imported {summary.rows:,} rows, {summary.periods:,} periods, "
        f"{summary.slices:,} slices from {len(files)} file(s) in {elapsed:.1f} s"
        f" ({_changed(summary.changed, summary.rows)}); "
        f"{len(new)} new spike(s), {posted} posted"
        + (f"; KPI rules opened {', '.join(opened)}" if opened else "")
    )
    if summary.new_vendors:
        typer.echo(
            f"new vendor(s): {', '.join(summary.new_vendors)} "
            '(name them with `/opsbot vendor rename SLUG "Display name"`)'
        )


def run_import_hooks_for_cli(settings: Settings, engine: Any) -> list[str]:
    # The escalation a rule opens goes through the outbox; the server's worker files it.
    from bot.runtime import build_runtime
    from commands.kpi.pull import run_import_hooks

    runtime = build_runtime(settings, engine=engine)
    opened: list[str] = []
    for result in run_import_hooks(runtime):
        if isinstance(result, list):
            opened.extend(str(item) for item in result)
    return opened


def _announce(settings: Settings, registry: KpiRegistry, sessions: SessionFactory) -> int:
    channel = settings.opsbot_alerts_channel
    token = settings.slack_bot_token
    if not channel or token is None:
        return 0
    from integrations.slack_api import make_slack_client

    async def run() -> int:
        client = make_slack_client(
            token=token.get_secret_value(),
            base_url=settings.slack_api_url,
            metrics=None,
        )

        async def post(to: str, message: dict[str, Any]) -> None:
            await client.chat_postMessage(channel=to, **message)

        return await announce_spikes(
            sessions=sessions,
            registry=registry,
            channel=channel,
            post=post,
        )

    return asyncio.run(run())
