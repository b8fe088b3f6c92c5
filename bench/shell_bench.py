"""How long `opsbot shell -c COMMAND` takes after the first run (target: under 2 s).

Each command is run once to warm the bytecode caches, then `--runs` times; the figures are
printed beside two baselines measured in the same run: the bare interpreter, and importing
the stack opsbot stands on (Bolt, slack_sdk, SQLModel, Typer), so a slow machine shows as
slow baselines rather than as a slow bot.

    python bench/shell_bench.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0
STACK = "import slack_bolt.async_app, slack_sdk.web.async_client, sqlmodel, typer"


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started


def _series(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    _timed(argv, env)  # the first run: bytecode caches, database file
    return [_timed(argv, env) for _ in range(runs)]


def main() -> None:
    """Print median and worst seconds per command against the baselines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--command", action="append", dest="commands")
    args = parser.parse_args()
    commands = args.commands or ["/opsbot help", "/kpi week"]
    opsbot = str(Path(sys.executable).with_name("opsbot"))
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder}/bench.db")
        subprocess.run([opsbot, "demo"], env=env, check=True, capture_output=True, timeout=600)
        rows = [
            ("python -c pass (baseline)", _series([sys.executable, "-c", "pass"], env, args.runs)),
            ("import the stack (baseline)", _series([sys.executable, "-c", STACK], env, args.runs)),
        ]
        for command in commands:
            rows.append(
                (f"shell -c {command!r}", _series([opsbot, "shell", "-c", command], env, args.runs))
            )
    print(f"{'run':<36}{'median s':>10}{'worst s':>10}")
    for name, times in rows:
        print(f"{name:<36}{statistics.median(times):>10.2f}{max(times):>10.2f}")
    worst_median = max(statistics.median(t) for n, t in rows if n.startswith("shell"))
    verdict = "met" if worst_median < TARGET_SECONDS else "missed"
    print(f"target: shell -c median under {TARGET_SECONDS:.0f} s: {verdict} ({worst_median:.2f} s)")


if __name__ == "__main__":
    main()
