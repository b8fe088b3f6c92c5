"""Service Cloud pull: fetch every case of a window, store all of them or none; and the loop
that does it every SALESFORCE_PULL_MINUTES, a claimed job on the one scheduler (each fire
time is pulled by one replica only)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests

from commands.periodic import RecurringWork
from commands.routing.service import store_cases
from integrations.case_sources.salesforce_pull import (
    CasePullError,
    SalesforceConfig,
    connect,
    pull_cases,
)
from storage.engine import SessionFactory, unit_of_work

log = logging.getLogger(__name__)
PULL_JOB = "routing-pull"


def salesforce_config(settings: Any) -> SalesforceConfig:
    """Return the pull's configuration from the SALESFORCE_* settings."""

    def secret(value: Any) -> str | None:
        return None if value is None else str(value.get_secret_value())

    return SalesforceConfig(
        instance_url=settings.salesforce_instance_url,
        username=settings.salesforce_username,
        password=secret(settings.salesforce_password),
        security_token=secret(settings.salesforce_security_token),
        session_id=secret(settings.salesforce_session_id),
        domain=settings.salesforce_domain,
        api_version=settings.salesforce_api_version,
        reason_field=settings.salesforce_reason_field,
        channel_field=settings.salesforce_channel_field,
        first_response_field=settings.salesforce_first_response_field,
        vendor_field=settings.salesforce_vendor_field,
        country_field=settings.salesforce_country_field,
        language_field=settings.salesforce_language_field,
    )


def salesforce_configured(settings: Any) -> bool:
    """Tell whether SALESFORCE_* name an instance or a login."""
    return bool(settings.salesforce_instance_url or settings.salesforce_username)


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


class CasePullLoop:
    """Pull the last SALESFORCE_PULL_DAYS of cases every SALESFORCE_PULL_MINUTES."""

    def __init__(
        self,
        runtime: Any,
        *,
        http_factory: Callable[[], requests.Session] = requests.Session,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.runtime = runtime
        self._http_factory = http_factory
        self._sleep = sleep

    async def run_once(self) -> bool:
        """Pull once in a worker thread (simple-salesforce is synchronous); True on success."""
        settings = self.runtime.settings
        now: datetime = self.runtime.clock()
        since = now - timedelta(days=settings.salesforce_pull_days)
        jobs = self.runtime.metrics.jobs

        def work() -> int:
            with self._http_factory() as http:
                return pull_and_store(
                    sessions=self.runtime.sessions,
                    config=salesforce_config(settings),
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
        minutes = self.runtime.settings.salesforce_pull_minutes
        return RecurringWork(PULL_JOB, self.step, every_seconds=minutes * 60.0)
