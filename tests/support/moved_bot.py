"""`opsbot` for test subprocesses: the same CLI, on the clock offset the test run uses."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import time_machine

offset = int(os.environ.get("TEST_CLOCK_OFFSET_SECONDS", "0") or 0)
if offset:
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()

from bot.cli import main  # noqa: E402  (the clock must move before the app reads it)

main()
