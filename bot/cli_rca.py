"""``opsbot rca``: localise the root causes of a KPI deviation in leaf CSV files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from commands.kpi.rca_files import LeafFileError, parse_dims, read_leaf_file
from commands.kpi.rootcause import Localisation, localise

BAD_INPUT = 2


def rca(
    files: Annotated[
        list[Path], typer.Argument(help="Leaf CSV files: a header row, one row per leaf.")
    ],
    actual: Annotated[
        str, typer.Option("--actual", help="Actual measure column, or NUM_COL/DEN_COL.")
    ],
    expected: Annotated[
        str, typer.Option("--expected", help="Expected measure column, or NUM_COL/DEN_COL.")
    ],
    dims: Annotated[
        str | None,
        typer.Option("--dims", help="Dimension columns a,b,c (default: all but measures)."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Most root causes per file.")] = 3,
) -> None:
    """Print one JSON line of root causes per leaf file; exit 2 on the first bad file."""
    try:
        dim_names = parse_dims(dims)
    except ValueError as error:
        typer.echo(f"opsbot rca: {error}", err=True)
        raise typer.Exit(BAD_INPUT) from None
    for path in files:
        try:
            leaves = read_leaf_file(path, actual=actual, expected=expected, dims=dim_names)
        except LeafFileError as error:
            # Files already printed stay valid output; the caller sees which one failed.
            typer.echo(f"opsbot rca: {error}", err=True)
            raise typer.Exit(BAD_INPUT) from None
        result = localise(leaves, top_k=top)
        typer.echo(json.dumps(render_localisation(str(path), result), ensure_ascii=False))


def render_localisation(file: str, result: Localisation) -> dict[str, Any]:
    """Shape a localisation as the JSON object ``opsbot rca`` prints for one file."""
    causes: list[dict[str, Any]] = []
    for cause in result.root_causes:
        entry: dict[str, Any] = {
            "elements": dict(cause.elements),
            "score": round(cause.score, 6),
            "actual": cause.actual,
            "expected": cause.expected,
            "share": round(cause.share, 6),
            "strength": round(cause.strength, 3),
        }
        if cause.kind is not None:
            entry["kind"] = cause.kind
        causes.append(entry)
    return {
        "file": file,
        "root_causes": causes,
        "confidence": round(result.confidence, 4),
        "explained": round(result.explained, 6),
        "elapsed_ms": round(result.elapsed_ms, 3),
    }
