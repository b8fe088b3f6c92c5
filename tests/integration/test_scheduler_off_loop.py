"""The scheduler's wake-ups poll its SQLAlchemy job store on a worker thread, never the loop.

APScheduler wakes every 0.5 s (the audit flush's interval) and asks each job store for due
jobs and the next fire time. The engine reports the thread of every such query; the test
itself never reads the job store, so a query on the loop's thread is the scheduler's poll.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot.runtime import Runtime
from bot.scheduler import JOBSTORE_TABLE

POLLS = 4


@pytest.fixture
def poll_threads(runtime: Runtime) -> Iterator[tuple[list[int], asyncio.Event]]:
    """Yield the thread ids of the job-store polls, and an event set after POLLS of them."""
    seen: list[int] = []
    enough = asyncio.Event()
    loop = asyncio.get_event_loop()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        polled = statement.lstrip().upper().startswith("SELECT") and JOBSTORE_TABLE in statement
        if polled and "next_run_time" in statement:
            seen.append(threading.get_ident())
            if len(seen) == POLLS:
                loop.call_soon_threadsafe(enough.set)

    event.listen(runtime.engine, "before_cursor_execute", record)
    yield seen, enough
    event.remove(runtime.engine, "before_cursor_execute", record)


async def test_job_store_polls_never_run_on_the_loop(
    runtime: Runtime, poll_threads: tuple[list[int], asyncio.Event]
) -> None:
    seen, enough = poll_threads
    loop_thread = threading.get_ident()
    await runtime.start()
    assert runtime.checkin_scheduler is not None  # OPSBOT_SCHEDULER=on in these tests
    await asyncio.wait_for(enough.wait(), timeout=60)
    assert len(seen) >= POLLS
    assert loop_thread not in seen
