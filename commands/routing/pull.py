"""Service Cloud pull: fetch every case of a window, store all of them or none; and the loop
that does it every SALESFORCE_PULL_MINUTES, a claimed job on the one scheduler (each fire
time is pulled by one replica only)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from commands.periodic import RecurringWork
from commands.routing.config import RoutingConfig
from commands.routing.service import store_cases
from integrations.case_sources.salesforce_pull import (
    CasePullError,
    SalesforceConfig,
    connect,
    pull_cases,
)
from storage.engine import SessionFactory, unit_of_work

if TYPE_CHECKING:  # requests is imported when a pull runs: it costs every start-up
    import requests

log = logging.getLogger(__name__)
PULL_JOB = "routing-pull"


def pull_and_store(
    *,
    sessions: SessionFactory,
    config: SalesforceConfig,
    http: requests.Session,
    since: datetime,
    until: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Pull every case created in [since, until), then store them in one transaction."""
    batch = pull_cases(
        connect(config, session=http), config=config, since=since, until=until, sleep=sleep
    )
    with unit_of_work(sessions) as session:
        return store_cases(session=session, batch=batch)


def _new_http_session() -> requests.Session:
    import requests

    return requests.Session()


class CasePullLoop:
    """Pull the last SALESFORCE_PULL_DAYS of cases every SALESFORCE_PULL_MINUTES."""

    def __init__(
        self,
        runtime: Any,
        *,
        http_factory: Callable[[], requests.Session] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.runtime = runtime
        self._http_factory = http_factory or _new_http_session
        self._sleep = sleep

    async def run_once(self) -> bool:
        """Pull once in a worker thread (simple-salesforce is synchronous); True on success."""
        config: RoutingConfig = self.runtime.routing_config
        salesforce = config.salesforce
        if salesforce is None:
            raise CasePullError("Service Cloud is not configured (SALESFORCE_*)")
        now: datetime = self.runtime.clock()
        since = now - timedelta(days=config.pull_days)
        jobs = self.runtime.metrics.jobs

        def work() -> int:
            with self._http_factory() as http:
                return pull_and_store(
                    sessions=self.runtime.sessions,
                    config=salesforce,
                    http=http,
                    since=since,
                    until=now,
                    sleep=self._sleep,
                )

        try:
            written = await asyncio.to_thread(work)
        except CasePullError as exc:
            log.warning("Salesforce case pull failed: %s", exc)
            jobs.labels("routing_pull", "refused").inc()
            return False
        log.info("Salesforce case pull stored %d cases", written)
        jobs.labels("routing_pull", "ok").inc()
        return True

    async def step(self, _now: datetime) -> None:
        """Scheduler step: one pull (a refused pull is logged and counted, never raised)."""
        await self.run_once()

    def recurring(self) -> RecurringWork:
        """Return the pull as a claimed job for the scheduler."""
        config: RoutingConfig = self.runtime.routing_config
        minutes = config.pull_minutes
        return RecurringWork(PULL_JOB, self.step, every_seconds=minutes * 60.0)
