"""Run the whole suite on a moved clock, so a test tied to today's date fails in CI first.

`TEST_CLOCK_SEED` picks an offset of up to ±400 days (to the second) from a seed. The offset is
applied once, at session start, with time-machine (ticking, so time still flows), and handed to
every `opsbot` subprocess through `TEST_CLOCK_OFFSET_SECONDS`, so a server and the test that
signs its requests agree on the time. Without a seed the clock is the machine's.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

SEED_VARIABLE = "TEST_CLOCK_SEED"
OFFSET_VARIABLE = "TEST_CLOCK_OFFSET_SECONDS"
MAX_OFFSET = timedelta(days=400)
_LAUNCHER = Path(__file__).with_name("moved_bot.py")


def offset_for_seed(seed: str) -> timedelta:
    """Return the clock offset that `seed` stands for: uniform in ±400 days, whole seconds."""
    if seed in ("", "0", "none"):
        return timedelta(0)
    limit = int(MAX_OFFSET.total_seconds())
    return timedelta(seconds=random.Random(seed).randint(-limit, limit))


def start(offset: timedelta) -> time_machine.travel | None:
    """Move this process's clock by `offset` and publish it to subprocesses."""
    os.environ[OFFSET_VARIABLE] = str(int(offset.total_seconds()))
    if not offset:
        return None
    traveller = time_machine.travel(datetime.now(UTC) + offset, tick=True)
    traveller.start()
    return traveller


def opsbot_command(*args: str) -> list[str]:
    """Return the argv that runs `opsbot ARGS…` on the same moved clock as this process."""
    return [sys.executable, str(_LAUNCHER), *args]
