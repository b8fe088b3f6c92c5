"""Run every benchmark in bench/ in turn (`make bench`): small defaults, issue 13's at size.

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
# (script, arguments): the others finish in about a minute or less each.
# Issue 13's speed targets, at their own sizes: /opsbot help and /kpi week (on a year of demo
# KPIs) against the bare Bolt app at c=10 and c=50; /kpi at 5,000,000 rows.
SLASH = ["--baseline", "--demo", "-n", "1000", "-c", "10,50", "--warmup", "50"]
SLASH += ["--command", "/opsbot help", "--command", "/kpi week"]
KPI_5M = ["--days", "965", "--slices", "5184", "--repeats", "30", "--csv-rows", "0"]
BENCHES: list[tuple[str, list[str]]] = [
    ("slash_load.py", SLASH),
    ("kpi_bench.py", KPI_5M),
    ("rca_bench.py", ["--quick"]),
    ("escalation_bench.py", ["-n", "50", "-c", "1,10", "--jira-delay", "0.5"]),
    ("digest_bench.py", ["--digests", "40", "--channels", "20"]),
    ("load_table.py", ["-n", "200", "-c", "1,10", "--warmup", "10"]),
    ("kpi_bench.py", ["--days", "60", "--slices", "200", "--repeats", "10", "--csv-rows", "20000"]),
    ("kb_search_bench.py", ["--articles", "2000", "--queries", "100"]),
    ("routing_bench.py", ["--cases", "100000"]),
    ("shell_bench.py", ["--runs", "5"]),
]


def planned_runs() -> list[tuple[str, list[str]]]:
    """Return the runs to make, adding the PostgreSQL slash-command run when configured."""
    runs = list(BENCHES)
    server = os.environ.get("BENCH_DATABASE_URL")
    if server:
        on_server = ["--database-url", server, "--fresh-database"]
        runs.insert(1, ("slash_load.py", SLASH + on_server))
        runs.insert(3, ("kpi_bench.py", KPI_5M + on_server))
        # COPY into a staging table, then one INSERT … ON CONFLICT: 1,000,000 rows < 20 s.
        runs.insert(4, ("kpi_import_bench.py", ["--rows", "1000000", "--database-url", server]))
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
