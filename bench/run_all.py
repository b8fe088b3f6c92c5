"""Run every benchmark in bench/ in turn with small defaults (`make bench`).

A bench listed here that does not exist yet is skipped with a note; a script in bench/ that
is not listed is named at the end so that it gets an entry. PostgreSQL runs join in when
BENCH_DATABASE_URL (a server URL; each run gets a database of its own) is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# Modules that are helpers of a bench, not benches.
HELPERS = {"__init__.py", "run_all.py", "bare_bolt.py", "targets.py", "load.py"}
# (script, small-default arguments): each finishes in about a minute or less.
BENCHES: list[tuple[str, list[str]]] = [
    ("slash_load.py", ["-n", "300", "-c", "1,10", "--warmup", "20", "--baseline"]),
    ("rca_bench.py", ["--quick"]),
    ("escalation_bench.py", ["-n", "50", "-c", "1,10", "--jira-delay", "0.5"]),
    ("digest_bench.py", ["--digests", "40", "--channels", "20"]),
    ("load_table.py", ["-n", "200", "-c", "1,10", "--warmup", "10"]),
    ("kpi_bench.py", ["--days", "60", "--slices", "200", "--repeats", "10", "--csv-rows", "20000"]),
    ("kb_search_bench.py", ["--articles", "2000", "--queries", "100"]),
    ("routing_bench.py", ["--cases", "100000"]),
]


def planned_runs() -> list[tuple[str, list[str]]]:
    """Return the runs to make, adding the PostgreSQL slash-command run when configured."""
    runs = list(BENCHES)
    server = os.environ.get("BENCH_DATABASE_URL")
    if server:
        pg_args = ["-n", "300", "-c", "1,10", "--warmup", "20", "--baseline"]
        pg_args += ["--database-url", server, "--fresh-database"]
        runs.insert(1, ("slash_load.py", pg_args))
    return runs


def main() -> int:
    """Run each bench; return 1 when any of them failed."""
    failed: list[str] = []
    for script, args in planned_runs():
        path = BENCH_DIR / script
        if not path.exists():
            print(f"== {script}: not present yet, skipped\n", flush=True)
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(path), *args], check=False)
        elapsed = time.perf_counter() - started
        print(f"== {script}: exit {result.returncode} in {elapsed:.1f} s\n", flush=True)
        if result.returncode != 0:
            failed.append(script)
    listed = {script for script, _ in BENCHES}
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.name not in listed and path.name not in HELPERS:
            print(f"note: {path.name} is not in bench/run_all.py BENCHES; run it by hand")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
