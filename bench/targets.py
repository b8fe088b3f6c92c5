"""What bench/slash_load.py measures: `opsbot serve` and the bare Bolt app as real processes.

Each server runs in its own process with its output in a log file (a pipe nobody reads would
stall it), in a scratch directory so that no developer `.env` leaks into the figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.support.servers import free_port, stop_process, wait_healthy

BENCH_DIR = Path(__file__).resolve().parent
# Credentials of the local servers the bench starts; they never leave this machine.
BOT_TOKEN = "xoxb-bench-0123456789-abcdefghij"  # noqa: S105
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"  # noqa: S105
_CLEARED_PREFIXES = ("SLACK_", "JIRA_", "OPSBOT_")


@dataclass(frozen=True)
class Server:
    """A running server: its name in the table, base URL, process id and log file."""

    name: str
    url: str
    pid: int | None
    log: Path | None


def rss_mb(pid: int | None) -> float | None:
    """Return the resident set size of `pid` in MiB (Linux /proc), or None if unknown."""
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """Return the user + system CPU time of `pid` and all its threads (Linux /proc)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def is_postgres(database_url: str) -> bool:
    """Tell whether `database_url` points at PostgreSQL."""
    return database_url.startswith(("postgresql", "postgres:"))


def db_connections(database_url: str) -> int | None:
    """Count the other sessions open on this PostgreSQL database (None on SQLite)."""
    if not is_postgres(database_url):
        return None
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(count)


@contextmanager
def bench_database(database_url: str | None, *, fresh: bool, scratch: Path) -> Iterator[str]:
    """Yield the database the server uses: a temp SQLite file, the URL given, or a fresh one.

    With `fresh` and a PostgreSQL URL, a database of its own is created on that server and
    dropped (with its connections) afterwards.
    """
    if database_url is None:
        yield f"sqlite:///{scratch / 'bench.db'}"
        return
    if not (fresh and is_postgres(database_url)):
        yield database_url
        return
    server = make_url(database_url).set(drivername="postgresql+psycopg")
    name = f"opsbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_CLEARED_PREFIXES) and k not in ("DATABASE_URL", "PORT")
    }
    # The servers run this checkout's code, not whichever one the venv has installed
    # (an editable install points at one worktree; the bench may run from another).
    env["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH_DIR.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env.update(extra)
    return env


@contextmanager
def _process(
    name: str, argv: list[str], env: dict[str, str], *, port: int, scratch: Path
) -> Iterator[Server]:
    log_path = scratch / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=scratch, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, base, lambda: log_path.read_text()[-4000:], within=60)
        yield Server(name=name, url=base, pid=process.pid, log=log_path)
    finally:
        stop_process(process, within=15)


@contextmanager
def opsbot_server(
    *,
    slack_api_url: str,
    database_url: str,
    scratch: Path,
    demo: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Run `opsbot serve` (it migrates the database at start) until the block ends.

    With `demo`, `opsbot demo` loads its data (a year of KPIs, escalations) first;
    `extra_env` sets more of the server's settings (e.g. the worker-pool size).
    """
    port = free_port()
    env = _clean_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
            "DATABASE_URL": database_url,
            "OPSBOT_ADMINS": "U0ADMIN",
            **(extra_env or {}),
        }
    )
    if demo:
        subprocess.run(
            [sys.executable, "-m", "bot", "demo"],
            env=env,
            cwd=scratch,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with _process("opsbot", argv, env, port=port, scratch=scratch) as server:
        yield server


@contextmanager
def bare_server(
    *, slack_api_url: str, commands: list[str], secret: str, scratch: Path
) -> Iterator[Server]:
    """Run the bare Bolt app (bench/bare_bolt.py) answering `commands`, signed with `secret`."""
    port = free_port()
    env = _clean_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_API_URL": slack_api_url,
        }
    )
    argv = [sys.executable, str(BENCH_DIR / "bare_bolt.py"), "--port", str(port)]
    for command in commands:
        argv += ["--command", command]
    with _process("bare", argv, env, port=port, scratch=scratch) as server:
        yield server


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """Yield a temporary directory for databases and server logs, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="opsbot-bench-") as directory:
        yield Path(directory)
