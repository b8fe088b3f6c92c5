"""KPI store benchmark: bulk import rows/s and /kpi query latency (p50/p95).

    python bench/kpi_bench.py --days 365 --slices 2740 [--database-url postgresql://…]

Generates DAYS × SLICES daily rows (5 dimensions, 7 measures), imports them through the
same bulk path as `opsbot kpi import`, then times the snapshot queries /kpi runs. At
5,000,000 rows: --days 965 --slices 5184 (the full cube); target p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import cast

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sqlmodel import Session

from bench import targets
from commands.kpi.grammar import parse_kpi_text
from commands.kpi.registry import load_registry
from commands.kpi.snapshot import build_breakdown, build_snapshot
from integrations.kpi_sources.csv_reader import read_kpi_csv
from storage.engine import make_engine
from storage.kpi_write import FactRow, replace_facts
from storage.migrate import upgrade_database

Slice = tuple[str, str, str, str, str]
P95_TARGET_MS = 150.0  # issue 13: /kpi at 5,000,000 rows, both backends

VENDORS = ("acme", "globex", "initech", "umbrella")
QUEUES = (
    "account-integrity",
    "impersonation",
    "account-security",
    "copyright",
    "trademark",
    "compliance",
)
COUNTRIES = ("US", "GB", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "JP", "PH", "NG")
LANGUAGES = ("en", "de", "fr", "es", "pt", "ja")
CHANNELS = ("email", "chat", "web-form")


def slices(count: int, rng: np.random.Generator) -> list[tuple[str, str, str, str, str]]:
    """Return `count` distinct slices drawn from the full cube."""
    cube = [
        (q, v, c, lang, ch)
        for q in QUEUES
        for v in VENDORS
        for c in COUNTRIES
        for lang in LANGUAGES
        for ch in CHANNELS
    ]
    if count > len(cube):
        raise SystemExit(f"at most {len(cube)} slices")
    picked = rng.choice(len(cube), size=count, replace=False)
    return [cube[i] for i in sorted(picked)]


def day_rows(day: date, cube: Sequence[tuple[str, ...]], rng: np.random.Generator) -> list[FactRow]:
    """Return one day's rows for every slice."""
    n = len(cube)
    incoming = rng.poisson(40, n).astype(float)
    manual = np.floor(incoming * 0.5)
    solved = incoming
    handle = manual * 420.0
    age = solved * 3600.0 * 18
    start = datetime.combine(day, dtime(0), tzinfo=UTC)
    return [
        FactRow(
            "day",
            start,
            day,
            cast(Slice, cube[i]),
            (incoming[i], manual[i], solved[i], manual[i], handle[i], manual[i], age[i]),
        )
        for i in range(n)
    ]


def import_all(url: str, days: int, cube: Sequence[tuple[str, ...]], end: date) -> float:
    """Import every day's rows in one transaction; return seconds taken (generation excluded)."""
    engine = make_engine(url)
    upgrade_database(engine)
    rng = np.random.default_rng(1)
    spent = 0.0
    with Session(engine) as session:
        connection = session.connection()
        for offset in range(days):
            rows = day_rows(end - timedelta(days=days - 1 - offset), cube, rng)
            started = time.perf_counter()
            replace_facts(connection, rows)
            spent += time.perf_counter() - started
        started = time.perf_counter()
        session.commit()
        spent += time.perf_counter() - started
        # Every table: the rollup the import fills is read by most /kpi questions.
        session.connection().exec_driver_sql("ANALYZE")
        session.commit()
    engine.dispose()
    return spent


def csv_rate(cube: Sequence[tuple[str, ...]], end: date, rows_wanted: int) -> float:
    """Return CSV parse + validate rows/s on a generated file."""
    rng = np.random.default_rng(2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "date",
                    "queue",
                    "vendor",
                    "country",
                    "language",
                    "channel",
                    "incoming",
                    "manual_incoming",
                    "solved",
                    "manual_solved",
                    "handle_seconds",
                    "handled",
                    "solve_age_seconds",
                ]
            )
            written, offset = 0, 0
            while written < rows_wanted:
                for row in day_rows(end - timedelta(days=offset), cube, rng):
                    writer.writerow(
                        [row.day.isoformat(), *row.dims, *(int(m or 0) for m in row.measures)]
                    )
                    written += 1
                offset += 1
        started = time.perf_counter()
        batch = read_kpi_csv(path, timezone="UTC")
        return len(batch.rows) / (time.perf_counter() - started)


def time_queries(url: str, end: date, repeats: int) -> dict[str, tuple[float, float]]:
    """Return p50/p95 milliseconds of each /kpi query shape."""
    engine = make_engine(url)
    registry = load_registry(None)
    today = end + timedelta(days=1)
    shapes = {
        "whole team, week": ("week", None),
        "one vendor, month": ("30d vendor:acme", None),
        "two dimensions, week": ("week vendor:globex country:DE", None),
        "break-down by country, week": ("week", "country"),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, (text, dimension) in shapes.items():
        request = parse_kpi_text(text, today=today)
        samples = []
        for _ in range(repeats):
            with Session(engine) as session:
                started = time.perf_counter()
                if dimension:
                    build_breakdown(
                        session=session,
                        request=request,
                        filters=request.filters,
                        dimension=dimension,
                    )
                else:
                    build_snapshot(
                        session=session, request=request, filters=request.filters, registry=registry
                    )
                samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        results[name] = (statistics.median(samples), samples[int(0.95 * (len(samples) - 1))])
    engine.dispose()
    return results


def main() -> None:
    """Run the benchmark and print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--fresh-database",
        action="store_true",
        help="with a PostgreSQL --database-url: a database of its own, dropped after",
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--slices", type=int, default=2740)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--csv-rows", type=int, default=200_000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        targets.bench_database(
            args.database_url, fresh=args.fresh_database, scratch=Path(tmp)
        ) as url,
    ):
        end = date(2026, 11, 21)
        cube = slices(args.slices, np.random.default_rng(0))
        total = args.days * len(cube)
        seconds = import_all(url, args.days, cube, end)
        backend = url.split(":", 1)[0]
        print(
            f"{backend}: imported {total:,} rows in {seconds:.1f} s ({total / seconds:,.0f} rows/s)"
        )
        if args.csv_rows:
            print(f"CSV read + validate: {csv_rate(cube, end, args.csv_rows):,.0f} rows/s")
        for name, (p50, p95) in time_queries(url, end, args.repeats).items():
            verdict = "met" if p95 < P95_TARGET_MS else "MISSED"
            print(f"  {name:<30} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (< 150 ms: {verdict})")


if __name__ == "__main__":
    main()
