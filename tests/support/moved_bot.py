"""`opsbot` for test subprocesses: the same CLI, on the clock offset the test run uses."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

# Run as a script: the repository root (this tree's `bot` and `tests`) comes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.fast_clock import FastClock, run_patched

offset = int(os.environ.get("TEST_CLOCK_OFFSET_SECONDS", "0") or 0)
fast = FastClock.from_env()
if fast is not None:
    run_patched(fast)  # a test that runs minutes of schedules in seconds
elif offset:
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()

from bot.cli import main  # noqa: E402  (the clock must move before the app reads it)

main()
