"""The load table of issue 7: demo data, four everyday commands, c=1/10/50, SQLite and PostgreSQL.

Loads `opsbot demo` into a bench database of its own per backend, then runs
bench/slash_load.py (a real `opsbot serve`, beside the bare Bolt baseline in the same run)
for `/kpi week`, `/kpi why`, `/escalation list` and `/escalate` one-liners.

  python bench/load_table.py                          # SQLite only
  python bench/load_table.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
  python bench/load_table.py -n 300 -c 1,10            # smaller, for make bench

Targets: zero errors; every ack under 3 s at c=50; /kpi week p99 < 250 ms at c=10 and
throughput >= 50 % of the bare app's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    "/kpi week",
    "/kpi why aht week",
    "/escalation list",
    '/escalate sev3 other "Load test escalation"',
)


def load_demo(database_url: str) -> None:
    """Migrate and load the demo data into `database_url` through the real CLI."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run([sys.executable, "-m", "bot", *args], env=env, check=True, cwd=ROOT)


def run_backend(database_url: str, args: argparse.Namespace) -> int:
    """Run slash_load for every command against one demo-loaded database."""
    load_demo(database_url)
    command = [sys.executable, str(ROOT / "bench" / "slash_load.py"), "--baseline"]
    command += ["--database-url", database_url, "-n", str(args.requests), "-c", args.concurrency]
    command += ["--warmup", str(args.warmup)]
    for typed in COMMANDS:
        command += ["--command", typed]
    return subprocess.run(command, check=False, cwd=ROOT).returncode


def main() -> int:
    """Print the load table for each backend; return 1 when a run failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", default="1,10,50")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--pg", help="PostgreSQL server URL; a database of its own is made")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        print("== SQLite", flush=True)
        failed |= run_backend(f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.pg:
        server = make_url(args.pg).set(drivername="postgresql+psycopg")
        name = f"opsbot_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            print("== PostgreSQL", flush=True)
            url = server.set(database=name).render_as_string(hide_password=False)
            failed |= run_backend(url, args)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
