"""Routing benchmark: import and report on N customer cases (target: report < 5 s on SQLite).

    python bench/routing_bench.py --cases 1000000 [--database-url postgresql+psycopg://…]

Writes a realistic case CSV (tests/support/case_generator.py, one planted misroute), then
times, each in the same run: reading and validating it (`opsbot routing import`'s reader),
storing it, the stored report `/routing` runs (one GROUP BY), the file report `opsbot routing
report` runs, and as the baseline a bare `SELECT count(*)` grouped the same way. Prints peak
memory (max RSS) after each step.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commands.routing.analysis import RoutingParams
from commands.routing.parsing import parse_period_option
from commands.routing.service import analyse_records, analyse_stored, store_cases
from commands.scope import ChannelScope
from integrations.case_sources.csv_reader import read_case_files
from storage.engine import make_engine
from storage.migrate import upgrade_database
from tests.support.case_generator import PlantedRule, generate_cases


def rss_mib() -> float:
    """Return this process's peak resident memory in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(label: str, started: float) -> float:
    """Print one timed step with the peak memory so far; return the elapsed seconds."""
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:8.2f} s   peak RSS {rss_mib():8.0f} MiB", flush=True)
    return elapsed


def main() -> int:
    """Run the benchmark; exit 1 when the stored report misses its target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--target-seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{directory}/bench.db"
        path = Path(directory) / "cases.csv"
        started = time.perf_counter()
        planted = (PlantedRule("refund", "billing", routed_share=0.9, moved_share=0.85),)
        data = generate_cases(seed=1, cases=args.cases, weeks=26, planted=planted)
        path.write_text(data.csv_text)
        del data
        step(f"generate {args.cases:,} cases", started)
        engine = make_engine(url)
        upgrade_database(engine)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM routing_case"))

        started = time.perf_counter()
        batch = read_case_files([path])
        read = step("read + validate CSV", started)
        started = time.perf_counter()
        with Session(engine) as session:
            store_cases(session=session, batch=batch)
            session.commit()
        stored = step("store (upsert by case id)", started)
        print(f"{'import rate':<34} {args.cases / (read + stored):8,.0f} cases/s")

        window = parse_period_option(None)
        started = time.perf_counter()
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT reason, initial_queue, final_queue, count(*) FROM routing_case "
                    "GROUP BY reason, initial_queue, final_queue"
                )
            ).all()
        baseline = step("baseline: bare GROUP BY count", started)
        started = time.perf_counter()
        with Session(engine) as session:
            analysis = analyse_stored(
                session=session,
                window=window,
                filters={},
                scope=ChannelScope(vendor=None),
                params=RoutingParams(),
            )
        report = step("stored report (/routing)", started)
        started = time.perf_counter()
        with Session(engine) as session:
            analyse_stored(
                session=session,
                window=window,
                filters={"vendor": ("acme",)},
                scope=ChannelScope(vendor=None),
                params=RoutingParams(),
            )
        step("stored report, vendor:acme", started)
        started = time.perf_counter()
        analyse_records(batch.cases.values(), window=window, filters={}, params=RoutingParams())
        step("file report (cases in memory)", started)
        engine.dispose()
    top = analysis.suggestions[0] if analysis.suggestions else None
    print(
        f"cases {analysis.cases:,}, misroute rate {analysis.misroute_rate or 0:.3f}, "
        f"top suggestion {top.reason if top else None} {top.from_queue if top else ''}"
        f"→{top.to_queue if top else ''}; report {report / max(baseline, 1e-9):.1f}× baseline"
    )
    if report > args.target_seconds:
        print(f"stored report took {report:.2f} s, target {args.target_seconds:.1f} s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
