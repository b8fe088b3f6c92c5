"""Engine and session construction from DATABASE_URL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from storage.text import guard_text, json_dumps_clean

SessionFactory = Callable[[], Session]
T = TypeVar("T")


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Build the engine; SQLite gets WAL, foreign keys and a busy timeout.

    On every backend, control characters are stripped from each string the engine sends
    (statement parameters and JSON values): `storage.text` says why.
    """
    url = _normalise_url(database_url)
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
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
        pool_size=10,
        max_overflow=20,
        pool_timeout=5,
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


def session_factory(engine: Engine) -> SessionFactory:
    """Return a callable that opens a new session on `engine`."""

    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session


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
    """Run `work` in a unit of work on a worker thread and return its result.

    The event loop never waits on the database (a lock, a slow network, a full pool), and the
    connection is back in the pool before the caller's next await.
    """

    def run() -> T:
        with unit_of_work(sessions) as session:
            return work(session)

    return await asyncio.to_thread(run)
