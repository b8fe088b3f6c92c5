"""Run `/kpi why` localisations off the event loop, bounded, each with a short session of its own.

Why this exists: a why job used to hold its database connection from the query until its
`respond()` post had finished. Under load, request handlers (which query synchronously on
the event loop) then waited on the exhausted pool while the connections' holders waited on
the blocked loop to post their answers: the whole server stalled for the pool timeout.
Here the query and the numpy work run in a worker thread on a session that is closed
before anything is awaited on the loop, and at most `concurrency` run at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlmodel import Session

from commands.kpi.filters import Filters
from commands.kpi.grammar import KpiRequest
from commands.kpi.registry import KpiDefinition
from commands.kpi.why import DEFAULT_WEEKS, WhyFinding, explain_change
from storage.engine import SessionFactory, unit_of_work

BUSY_MESSAGE = "I'm busy working out other changes right now; try again in a moment."


class WhyRunner:
    """Bound concurrent why computations; refuse new ones when too many are waiting."""

    def __init__(
        self, sessions: SessionFactory, *, concurrency: int = 2, max_pending: int = 64
    ) -> None:
        self._sessions = sessions
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._pending = 0

    def reserve(self) -> bool:
        """Claim a place in the queue; False when saturated (tell the user to retry)."""
        if self._pending >= self._max_pending:
            return False
        self._pending += 1
        return True

    def release(self) -> None:
        """Give back a place claimed with `reserve` whose work will not run."""
        self._pending -= 1

    async def run(self, work: Callable[[Session], WhyFinding]) -> WhyFinding:
        """Run `work` in a worker thread on a session of its own; needs a reservation."""
        try:
            async with self._slots:
                return await asyncio.to_thread(self._in_session, work)
        finally:
            self._pending -= 1

    def _in_session(self, work: Callable[[Session], WhyFinding]) -> WhyFinding:
        with unit_of_work(self._sessions) as session:
            return work(session)


def explain_in(
    request: KpiRequest, filters: Filters, kpi: KpiDefinition, *, weeks: int = DEFAULT_WEEKS
) -> Callable[[Session], WhyFinding]:
    """Return the work of localising `kpi` for `request` and `filters`.

    ``weeks`` is the spike detector's seasonal window (OPSBOT_SPIKE_WEEKS), so that the
    expected value is the one the detector used.
    """

    def work(session: Session) -> WhyFinding:
        return explain_change(
            session=session, request=request, filters=filters, kpi=kpi, weeks=weeks
        )

    return work
