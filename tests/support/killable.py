"""`opsbot serve` as a process a test can SIGKILL, and the lease clock a crash leaves behind."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from storage.checkins import RUN_CLAIMED, RUN_POSTING, DigestRun
from storage.outbox import RUNNING, OutboxJob
from storage.types import utcnow
from tests.support.moved_clock import opsbot_command
from tests.support.servers import free_port, wait_healthy


@dataclass
class Served:
    """A running `opsbot serve`: its process, base URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no outbox drain, connections cut mid-flight."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        """Return what the process logged (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[Served]:
    """Start `opsbot serve` on a free port with `env`, wait for /healthz; kill it on exit."""
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            opsbot_command("serve", "--host", "127.0.0.1", "--port", str(port)),
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_healthy(process, served.url, served.output)
        yield served
    finally:
        served.kill()


def expire_leases(engine: Engine, *, ago: timedelta = timedelta(minutes=11)) -> None:
    """Stand in for the lease time passing after a crash (outbox 5 min, digest runs 10 min).

    Only the clock is moved: the rows stay in the state the dead process left them, and the
    new process must recognise and finish them itself.
    """
    now, then = utcnow(), utcnow() - ago
    with engine.begin() as connection:
        connection.execute(
            update(OutboxJob).where(col(OutboxJob.status) == RUNNING).values(next_attempt_at=now)
        )
        connection.execute(
            update(DigestRun)
            .where(col(DigestRun.status) == RUN_CLAIMED)
            .values(next_attempt_at=now)
        )
        connection.execute(
            update(DigestRun).where(col(DigestRun.status) == RUN_POSTING).values(updated_at=then)
        )
