"""`opsbot kb import PATH…`: validate every article, then store them in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.kb.article_files import ArticleInputError
from commands.kb.importing import (
    default_root,
    import_articles,
    imported_folders,
    read_articles,
)
from storage.engine import session_factory, unit_of_work
from storage.types import utcnow

kb_app = typer.Typer(rich_markup_mode=None, help="Knowledge-base articles.", no_args_is_help=True)


def register_cli(app: typer.Typer) -> None:
    """Attach `opsbot kb …` to the main CLI."""
    app.add_typer(kb_app, name="kb")


@kb_app.command("import")
def import_paths(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files or folders of them.")],
    root: Annotated[
        Path | None,
        typer.Option(help="Folder article ids are relative to (default: the git checkout)."),
    ] = None,
) -> None:
    """Import articles idempotently; a changed one gets a new version; bad input writes nothing."""
    from bot.cli import fail, load_settings, migrated_engine

    settings = load_settings("cli")
    root = root or default_root(paths, Path.cwd())
    try:
        articles = read_articles(paths, root=root)
        folders = imported_folders(paths, root=root)
    except ArticleInputError as exc:
        raise fail(str(exc)) from None
    with migrated_engine(settings) as engine, unit_of_work(session_factory(engine)) as session:
        summary = import_articles(session=session, articles=articles, now=utcnow(), folders=folders)
    typer.echo(
        f"{len(articles)} article(s): {len(summary.created)} new, "
        f"{len(summary.changed)} changed (new version), {len(summary.unchanged)} unchanged"
        + (f", {len(summary.retired)} retired (file removed)" if summary.retired else "")
    )
    for path in summary.changed:
        typer.echo(f"  new version: {path}")
    for path in summary.retired:
        typer.echo(f"  retired: {path}")
