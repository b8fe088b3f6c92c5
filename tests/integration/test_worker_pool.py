"""The bounded worker pool: database work never runs on the loop, and never more at once
than the pool settings allow, while the loop keeps answering."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.runtime import build_runtime
from bot.settings import Settings
from storage.engine import PoolOptions, in_worker, make_engine, session_factory


def test_pool_settings_size_the_engine_and_the_worker_pool(settings: Settings) -> None:
    tuned = settings.model_copy(
        update={
            "opsbot_db_pool_size": 3,
            "opsbot_db_max_overflow": 2,
            "opsbot_db_pool_timeout": 1.5,
        }
    )
    assert tuned.pool_options == PoolOptions(pool_size=3, max_overflow=2, pool_timeout=1.5)
    runtime = build_runtime(tuned)
    try:
        assert runtime.sessions.executor._max_workers == 5
        if runtime.engine.url.get_backend_name() == "postgresql":
            assert runtime.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        runtime.sessions.shutdown()
        runtime.engine.dispose()


async def test_work_beyond_the_pool_queues_off_the_loop(engine: Engine) -> None:
    sessions = session_factory(engine, workers=2)
    release = threading.Event()
    loop = asyncio.get_running_loop()
    both_busy = asyncio.Event()
    running: list[str] = []
    lock = threading.Lock()
    peak = 0

    def hold(session: Session) -> str:
        nonlocal peak
        session.execute(text("SELECT 1"))
        with lock:
            running.append(threading.current_thread().name)
            peak = max(peak, len(running))
            if len(running) == 2:
                loop.call_soon_threadsafe(both_busy.set)
        release.wait(timeout=30)
        with lock:
            running.pop()
        return threading.current_thread().name

    loop_thread = threading.current_thread().name
    tasks = [asyncio.create_task(in_worker(sessions, hold)) for _ in range(6)]
    # The loop is free while six units of work wait on two threads.
    await asyncio.wait_for(both_busy.wait(), timeout=30)
    ticks = 0
    for _ in range(5):
        await asyncio.sleep(0)
        ticks += 1
    assert ticks == 5 and peak == 2
    release.set()
    names: list[Any] = await asyncio.gather(*tasks)
    sessions.shutdown()
    assert peak == 2
    assert all(name.startswith("db") and name != loop_thread for name in names)


def test_an_in_memory_engine_still_gets_a_pool() -> None:
    engine = make_engine("sqlite://")
    sessions = session_factory(engine)
    assert sessions.executor._max_workers >= 1
    sessions.shutdown()
