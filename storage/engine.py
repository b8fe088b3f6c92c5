"""Engine and session construction from DATABASE_URL."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from storage.text import guard_text, json_dumps_clean

SessionFactory = Callable[[], Session]
T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class PoolOptions:
    """How many connections the engine keeps and lends, how long a checkout may wait, and
    how many worker threads run database work.

    The worker pool has `worker_threads` threads (DEFAULT_WORKERS unless set), never more
    than the engine can lend (`pool_size + max_overflow`), so a worker rarely waits for a
    connection, and when it does it waits on its own thread, never on the event loop.
    """

    pool_size: int = 10
    max_overflow: int = 20
    pool_timeout: float = 5.0
    worker_threads: int | None = None

    @property
    def workers(self) -> int:
        """Return the worker-pool size: the setting, capped by the connections on loan."""
        connections = self.pool_size + self.max_overflow
        return min(connections, self.worker_threads or DEFAULT_WORKERS)


# Measured with bench/slash_load.py --server-env OPSBOT_DB_WORKERS=N (2 cores, concurrency
# 50, server CPU per request over the bare app's): `/kpi week` 3.5x at 4 threads, 3.8x at 8,
# 4.0x at 16, 4.8x at 30; `/opsbot help` 2.3x, 2.2x, 1.8x, 2.6x. A unit of work is mostly
# Python holding the GIL, so many threads only queue for it and slow the loop's thread down.
DEFAULT_WORKERS = 8


DEFAULT_POOL = PoolOptions()


def make_engine(
    database_url: str, *, echo: bool = False, pool: PoolOptions = DEFAULT_POOL
) -> Engine:
    """Build the engine; SQLite gets WAL, foreign keys and a busy timeout.

    On every backend, control characters are stripped from each string the engine sends
    (statement parameters and JSON values): `storage.text` says why.
    """
    url = _normalise_url(database_url)
    sizes: dict[str, Any] = {
        "pool_size": pool.pool_size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.pool_timeout,
    }
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool  # one shared connection: sizes do not apply
        else:
            kwargs.update(sizes)
        engine = create_engine(url, echo=echo, json_serializer=json_dumps_clean, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        guard_text(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        json_serializer=json_dumps_clean,
        # No pre-ping: it cost a round trip per checkout on every request. A connection
        # broken by a restart fails one statement, which invalidates the whole pool.
        pool_recycle=1800,
        **sizes,
        # A database that does not answer must fail fast, not hang a Slack request.
        connect_args={"connect_timeout": 3},
    )
    guard_text(engine)
    return engine


def _normalise_url(url: str) -> str:
    # A bare postgresql:// URL would pick psycopg2, which is not a dependency.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class WorkerSessions:
    """A session factory with the bounded worker pool that database work runs on.

    Callable like any `SessionFactory`; `in_worker` runs work on its `executor` (not the
    loop's default one, which other libraries share), so at most `workers` units of work run
    at once and each holds at most one connection.
    """

    def __init__(self, engine: Engine, *, workers: int) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="db")

    def __call__(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def shutdown(self) -> None:
        """Wait for the units of work in flight, then stop the threads (before dispose)."""
        self.executor.shutdown(wait=True, cancel_futures=False)


def session_factory(engine: Engine, *, workers: int | None = None) -> WorkerSessions:
    """Return a callable that opens a new session on `engine`, with its worker pool.

    `workers` defaults to DEFAULT_WORKERS, or fewer when the engine's pool lends fewer.
    """
    if workers is None:
        size = getattr(engine.pool, "size", None)
        overflow = getattr(engine.pool, "_max_overflow", 0)
        lendable = (size() + max(0, overflow)) if callable(size) else DEFAULT_WORKERS
        workers = min(lendable, DEFAULT_WORKERS)
    return WorkerSessions(engine, workers=workers)


@contextmanager
def unit_of_work(sessions: SessionFactory) -> Iterator[Session]:
    """Open a session for one job: commit on success, roll back on error, always close."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def in_worker(sessions: SessionFactory, work: Callable[[Session], T]) -> T:
    """Run `work` in a unit of work on the bounded worker pool and return its result.

    The event loop never waits on the database (a lock, a slow network, a full pool): the
    session is opened, committed and closed on the worker thread, so the connection is back
    in the pool before the caller's next await.
    """

    def run() -> T:
        with unit_of_work(sessions) as session:
            return work(session)

    return await off_loop(sessions, run)


async def off_loop(
    sessions: SessionFactory, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a blocking `call` (which opens its own sessions) on the same bounded worker pool.

    For code that takes an engine or a session factory rather than a session: the migration
    check, the audit batch insert, a runner's own units of work.
    """
    executor = sessions.executor if isinstance(sessions, WorkerSessions) else None
    # Context variables (the request id in log lines) follow the work, as with to_thread.
    context = contextvars.copy_context()
    bound = functools.partial(context.run, call, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(executor, bound)
