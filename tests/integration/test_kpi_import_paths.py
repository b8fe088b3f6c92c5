"""The PostgreSQL COPY path of `opsbot kpi import` stores what the row-by-row reader reads.

The reader (integrations/kpi_sources/csv_reader.py) is the reference: for a clean file with
empty cells, empty slice values, decimals, hours and days, the stored facts must be exactly
the reader's rows, whichever path wrote them. On PostgreSQL the file must also really take
the COPY path (a fast path that silently always fell back would pass the first check).
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app as cli
from integrations.kpi_sources.csv_reader import plain_kpi_csv, read_kpi_csv
from storage.kpi import DIMENSIONS, MEASURES, KpiFact
from storage.kpi_copy import copy_csv_facts

HEADER = ["date", *DIMENSIONS, *MEASURES]


def _clean_file(path: Path, *, seed: int, days: int = 12) -> None:
    rng = random.Random(seed)
    lines = [",".join(HEADER)]
    slices = [
        (q, v, c, "", ch)
        for q in ("impersonation", "copyright", "")
        for v in ("acme", "globex")
        for c in ("DE", "")
        for ch in ("email", "chat")
    ]
    for day in range(days):
        for queue, vendor, country, language, channel in rng.sample(slices, 9):
            incoming = rng.randint(0, 400)
            solved = rng.randint(0, 400)
            cells = [
                f"2026-03-{day + 1:02d}",
                queue,
                vendor,
                country,
                language,
                channel,
                str(incoming),
                str(rng.randint(0, incoming)),
                str(solved),
                "" if rng.random() < 0.2 else str(rng.randint(0, solved)),
                f"{rng.uniform(0, 9e4):.3f}",
                "" if rng.random() < 0.2 else str(rng.randint(0, 90)),
                str(rng.randint(0, 10**6)),
            ]
            lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")


def _stored(engine: Engine) -> set[tuple[object, ...]]:
    with Session(engine) as session:
        facts = session.execute(select(KpiFact)).scalars().all()
        return {
            (
                f.granularity,
                f.period_start,
                *(getattr(f, d) for d in DIMENSIONS),
                f.day,
                *(getattr(f, m) for m in MEASURES),
            )
            for f in facts
        }


def test_an_import_stores_exactly_the_readers_rows(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "clean.csv"
    _clean_file(path, seed=20261207)
    result = CliRunner().invoke(
        cli, ["kpi", "import", str(path)], env={"DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    expected = {
        (r.granularity, r.period_start, *r.dims, r.day, *r.measures)
        for r in read_kpi_csv(path, timezone="UTC").rows
    }
    assert len(expected) == 12 * 9
    assert _stored(engine) == expected


def test_a_clean_file_takes_the_copy_path_on_postgresql(
    backend: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "clean.csv"
    _clean_file(path, seed=7, days=3)
    plain = plain_kpi_csv(path, timezone="UTC")
    assert plain is not None
    with engine.begin() as connection:
        copied = copy_csv_facts(
            connection,
            body=plain.body,
            columns=plain.reader.columns,
            time_column=plain.reader.time_column,
            periods=plain.reader.periods_of,
        )
    if backend != "postgresql":
        assert copied is None  # SQLite always reads row by row
        return
    assert copied is not None and copied.rows == 27 and copied.changed == 27
    expected = {
        (r.granularity, r.period_start, *r.dims, r.day, *r.measures)
        for r in read_kpi_csv(path, timezone="UTC").rows
    }
    assert _stored(engine) == expected
