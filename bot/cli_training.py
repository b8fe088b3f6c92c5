"""`opsbot training import-assessments FILE…`: validate every row, then store them all at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli_kpi import run_import_hooks_for_cli
from commands.training.assessment_files import read_assessment_files
from commands.training.scores import import_rows
from integrations.csv_rows import BadRows
from storage.engine import session_factory, unit_of_work
from storage.types import utcnow

training_app = typer.Typer(
    rich_markup_mode=None, help="Training: agent assessments.", no_args_is_help=True
)


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot training …` to the main CLI."""
    app.add_typer(training_app, name="training")


@training_app.command("import-assessments")
def import_assessments(
    files: Annotated[
        list[Path],
        typer.Argument(help="CSV: date, vendor, assessment, agent, score, passed."),
    ],
) -> None:
    """Import assessment results idempotently; a bad row changes nothing (exit 2)."""
    from bot.cli import fail, load_settings, migrated_engine

    settings = load_settings("cli")
    try:
        rows = read_assessment_files(files)
    except BadRows as exc:
        raise fail(str(exc)) from None
    with migrated_engine(settings) as engine:
        with unit_of_work(session_factory(engine)) as session:
            stored, replaced = import_rows(session=session, rows=rows, now=utcnow())
        # The rules (pass_rate ones among them) look at the new results at once.
        opened = run_import_hooks_for_cli(settings, engine)
    typer.echo(
        f"imported {stored:,} assessment results from {len(files)} file(s); "
        f"{replaced:,} replaced earlier ones"
        + (f"; rules opened {', '.join(opened)}" if opened else "")
    )
