"""A wall clock that runs N times faster, shared by a test and its `opsbot` subprocesses.

Fake now = BASE + (monotonic() - MONOTONIC_ZERO) × RATE. CLOCK_MONOTONIC is system-wide, so
every process given the same three numbers reads the same fake instant, without sleeps or
message passing: three minutes of every-minute check-ins take a few real seconds.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import time_machine

RATE_VARIABLE = "TEST_CLOCK_RATE"
BASE_VARIABLE = "TEST_CLOCK_BASE"
ZERO_VARIABLE = "TEST_CLOCK_MONOTONIC_ZERO"
STEP_SECONDS = 0.005  # how often a subprocess's patched clock is moved on


@dataclass(frozen=True)
class FastClock:
    """Fake time `rate` times faster than real time, from `base` at monotonic `zero`."""

    base: datetime
    zero: float
    rate: float

    def now(self) -> datetime:
        """Return the fake instant now (the same in every process)."""
        return self.base + timedelta(seconds=(time.monotonic() - self.zero) * self.rate)

    def real_seconds(self, fake: timedelta) -> float:
        """Return how many real seconds `fake` takes."""
        return fake.total_seconds() / self.rate

    def env(self) -> dict[str, str]:
        """Return the variables that give a subprocess this clock."""
        return {
            RATE_VARIABLE: repr(self.rate),
            BASE_VARIABLE: self.base.isoformat(),
            ZERO_VARIABLE: repr(self.zero),
        }

    @classmethod
    def from_env(cls) -> FastClock | None:
        """Return the clock the environment describes, if any."""
        if not os.environ.get(RATE_VARIABLE):
            return None
        return cls(
            base=datetime.fromisoformat(os.environ[BASE_VARIABLE]),
            zero=float(os.environ[ZERO_VARIABLE]),
            rate=float(os.environ[RATE_VARIABLE]),
        )


def run_patched(clock: FastClock) -> None:
    """Patch this process's wall clock to `clock` and keep it moving from a daemon thread."""
    traveller = time_machine.travel(clock.now(), tick=False)
    coordinates = traveller.start()

    def keep_moving() -> None:
        while True:
            time.sleep(STEP_SECONDS)
            coordinates.move_to(clock.now())

    threading.Thread(target=keep_moving, name="fast-clock", daemon=True).start()
