"""`opsbot routing import|report|pull`: customer cases in, routing analysis out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.family_configs import salesforce_config
from commands.routing.analysis import RoutingAnalysis, RoutingParams
from commands.routing.parsing import FILTER_OPTIONS, parse_period_option
from commands.routing.pull import pull_and_store
from commands.routing.service import analyse_records, report_json, store_cases
from integrations.case_sources.csv_reader import read_case_files
from integrations.case_sources.salesforce_pull import CasePullError
from integrations.csv_rows import BadRows
from integrations.errors import UsageError
from storage.engine import session_factory, unit_of_work

if TYPE_CHECKING:
    import requests

    from bot.settings import Settings

routing_app = typer.Typer(
    rich_markup_mode=None, help="Customer-report routing (case data).", no_args_is_help=True
)

FilesArg = Annotated[list[Path], typer.Argument(help="Case CSV files, one row per case.")]


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot routing …` to the main CLI."""
    app.add_typer(routing_app, name="routing")


@routing_app.command("import")
def import_files(files: FilesArg) -> None:
    """Import case CSV files; a re-imported case is replaced, a bad file changes nothing."""
    from bot.cli import fail, load_settings, migrated_engine

    settings = load_settings("cli")
    started = time.perf_counter()
    try:
        batch = read_case_files(files)
    except BadRows as exc:
        raise fail(str(exc)) from None
    with migrated_engine(settings) as engine, unit_of_work(session_factory(engine)) as session:
        written = store_cases(session=session, batch=batch)
    elapsed = time.perf_counter() - started
    typer.echo(f"imported {written:,} cases from {len(files)} file(s) in {elapsed:.1f} s")


@routing_app.command("report")
def report(
    files: FilesArg,
    period: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (UTC days).")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--filter", help="key:value, e.g. reason:refund or vendor:acme."),
    ] = None,
    min_cases: Annotated[
        int, typer.Option(min=1, help="Fewest moved cases a suggestion needs.")
    ] = RoutingParams.min_cases,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Analyse case files: misroute rate, top flows and routing suggestions."""
    from bot.cli import fail

    try:
        window = parse_period_option(period)
        filters = _filters(where or [])
        batch = read_case_files(files)
    except (UsageError, BadRows) as exc:
        raise fail(str(exc)) from None
    params = RoutingParams(min_cases=min_cases)
    analysis = analyse_records(batch.cases.values(), window=window, filters=filters, params=params)
    if as_json:
        typer.echo(json.dumps(report_json(analysis), ensure_ascii=False))
    else:
        typer.echo(_text_report(analysis))


def _filters(options: list[str]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, tuple[str, ...]] = {}
    for option in options:
        key, _, value = option.partition(":")
        column = FILTER_OPTIONS.get(key.strip().lower())
        if column is None or not value.strip():
            raise UsageError(
                f"--filter {option!r}: want key:value with key one of {', '.join(FILTER_OPTIONS)}"
            )
        filters[column] = tuple(v.strip() for v in value.split(",") if v.strip())
    return filters


def _text_report(analysis: RoutingAnalysis) -> str:
    rate = analysis.misroute_rate
    lines = [
        f"cases: {analysis.cases:,}",
        f"misrouted: {analysis.misrouted:,}" + (f" ({rate:.1%})" if rate is not None else ""),
    ]
    if analysis.transfers_per_case is not None:
        lines.append(f"transfers per case: {analysis.transfers_per_case:.2f}")
    if analysis.extra_solve_hours is not None:
        lines.append(f"extra age at solve when misrouted: {analysis.extra_solve_hours:+.1f} h")
    if analysis.extra_response_hours is not None:
        lines.append(
            f"extra first-response delay when misrouted: {analysis.extra_response_hours:+.1f} h"
        )
    lines.append("top flows:")
    lines += [f"  {f.from_queue} → {f.to_queue}: {f.cases:,}" for f in analysis.flows]
    lines.append("suggestions:")
    lines += [
        f"  route {s.reason} to {s.to_queue} instead of {s.from_queue}: {s.share:.0%} of "
        f"{s.from_queue}'s {s.reason} cases end there, {s.cases_per_week:.1f} cases/week, "
        f"≈ {s.hours_saved_per_week:.1f} h/week saved"
        for s in analysis.suggestions
    ] or ["  none"]
    return "\n".join(lines)


@routing_app.command("pull")
def pull(
    since: Annotated[
        str | None, typer.Option(help="First day (YYYY-MM-DD, UTC); default 7 days ago.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day (YYYY-MM-DD, UTC); default today.")
    ] = None,
) -> None:
    """Pull cases created in the days given from Service Cloud; all or nothing is stored."""
    import requests

    from bot.cli import fail, load_settings

    settings = load_settings("cli")
    today = datetime.now(UTC).date()  # the composition root is where the wall clock is read
    try:
        first = date.fromisoformat(since) if since else today - timedelta(days=7)
        last = date.fromisoformat(until) if until else today
    except ValueError:
        raise fail("--since/--until take YYYY-MM-DD") from None
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    with requests.Session() as http:
        try:
            written = run_pull(settings, http=http, since=start, until=end)
        except CasePullError as exc:
            raise fail(str(exc), code=1) from None
    typer.echo(f"pulled {written:,} cases from Salesforce ({first} to {last})")


def run_pull(
    settings: Settings,
    *,
    http: requests.Session,
    since: datetime,
    until: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Pull every case created in [since, until), then store them in one transaction."""
    from bot.cli import migrated_engine

    with migrated_engine(settings) as engine:
        return pull_and_store(
            sessions=session_factory(engine),
            config=salesforce_config(settings),
            http=http,
            since=since,
            until=until,
            sleep=sleep,
        )
