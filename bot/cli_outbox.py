"""`opsbot outbox`: list pending and failed outbound work; `opsbot outbox retry ID` replays it."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli import fail, load_settings, migrated_engine
from storage.engine import session_factory, unit_of_work
from storage.outbox import FAILED, PENDING, RUNNING, STATUSES, get_job, list_jobs, retry_job

outbox_app = typer.Typer(
    rich_markup_mode=None,
    help="Durable outbox: work for Jira and Slack not done yet.",
    invoke_without_command=True,
)


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot outbox` to the CLI."""
    app.add_typer(outbox_app, name="outbox")


@outbox_app.callback()
def show(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="pending, running, done or failed.")
    ] = None,
) -> None:
    """List pending, running and failed jobs (or those of --status)."""
    if ctx.invoked_subcommand is not None:
        return
    wanted = tuple(status or (PENDING, RUNNING, FAILED))
    for name in wanted:
        if name not in STATUSES:
            raise fail(f"--status must be one of {', '.join(STATUSES)}, not {name!r}")
    settings = load_settings("cli")
    with migrated_engine(settings) as engine, unit_of_work(session_factory(engine)) as session:
        jobs = list_jobs(session, statuses=wanted, limit=500)
        rows = [
            f"{j.id:>6}  {j.status:<8} {j.kind:<24} attempts={j.attempts:<3} "
            f"next={j.next_attempt_at:%Y-%m-%d %H:%M:%S}  {(j.last_error or '')[:80]}"
            for j in jobs
        ]
    if not rows:
        typer.echo("outbox is empty")
        return
    typer.echo(
        "    id  status   kind                     attempts   next attempt (UTC)   last error"
    )
    for row in rows:
        typer.echo(row)


@outbox_app.command("retry")
def retry(
    job_id: Annotated[int, typer.Argument(help="Job id from `opsbot outbox`.")],
    now: Annotated[bool, typer.Option("--now/--queue", help="Run it here, now.")] = True,
) -> None:
    """Make a failed or pending job due again; by default run it here right away."""
    settings = load_settings("cli")
    with migrated_engine(settings) as engine, unit_of_work(session_factory(engine)) as session:
        try:
            job = retry_job(session, job_id)
        except ValueError as exc:
            raise fail(str(exc)) from None
        if job is None:
            raise fail(f"no outbox job {job_id}")
    if not now:
        typer.echo(f"job {job_id} queued; a running opsbot will pick it up")
        return
    status = asyncio.run(_run_one(job_id))
    typer.echo(f"job {job_id}: {status}")
    if status != "done":
        raise typer.Exit(1)


async def _run_one(job_id: int) -> str:
    from bot.runtime import build_runtime

    runtime = build_runtime(load_settings("cli"))
    try:
        worker = runtime.outbox
        await worker.drain(within=60.0)
        with unit_of_work(runtime.sessions) as session:
            job = get_job(session, job_id)
            return job.status if job is not None else "gone"
    finally:
        await runtime.aclose()
