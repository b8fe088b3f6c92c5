"""`opsbot demo`: load realistic demo data; each feature appends its loader to DEMO_LOADERS."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session

from bot.family_configs import escalation_config, spike_params
from bot.settings import Settings
from commands.escalations.demo import load_escalation_demo
from commands.kpi.demo_data import load_kpi_demo
from commands.kpi.registry import MetricsFileError, load_registry
from storage.engine import session_factory, unit_of_work

DemoLoader = Callable[[Session, Settings], str]


def kpi_demo_loader(session: Session, settings: Settings) -> str:
    """Load vendors and a year of daily KPIs ending yesterday in OPSBOT_TIMEZONE."""
    today = datetime.now(ZoneInfo(settings.opsbot_timezone)).date()
    try:
        registry = load_registry(settings.opsbot_metrics_file)
    except MetricsFileError as exc:
        raise typer.BadParameter(str(exc)) from None
    summary = load_kpi_demo(
        session=session,
        end=today - timedelta(days=1),
        registry=registry,
        params=spike_params(settings),
    )
    return (
        f"KPIs: {summary.rows:,} daily rows {summary.first_day} – {summary.last_day}, "
        f"spike planted on {summary.spike_day} (impersonation × acme), "
        f"globex AHT drifting; {summary.new_spikes} new spike(s) found"
    )


def escalation_demo_loader(session: Session, settings: Settings) -> str:
    """Load the demo escalations in JIRA_ESCALATION_PROJECT."""
    return load_escalation_demo(session, escalation_config(settings))


# Loaders run in order, in one transaction; each returns one line for the summary.
DEMO_LOADERS: tuple[DemoLoader, ...] = (kpi_demo_loader, escalation_demo_loader)


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot demo`."""
    app.command("demo")(demo)


def demo() -> None:
    """Load realistic demo data (vendors, a year of KPIs with a planted spike, …)."""
    from bot.cli import load_settings, migrated_engine

    settings = load_settings("cli")
    with migrated_engine(settings) as engine, unit_of_work(session_factory(engine)) as session:
        started = time.perf_counter()
        lines = [loader(session, settings) for loader in DEMO_LOADERS]
    for line in lines:
        typer.echo(line)
    typer.echo(f"demo data loaded in {time.perf_counter() - started:.1f} s")
    # Nobody is an admin in a new install; on your own machine, in the shell, you are.
    typer.echo(
        "next: `opsbot shell` (you are an opsbot admin there, and #acme-idops, #globex-idops, "
        "… exist); in Slack, admins are the user ids in OPSBOT_ADMINS"
    )
