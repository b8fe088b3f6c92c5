"""Scheduled pull of KPI rows from the HTTP source; import, detect, announce.

A claimed job on the process's one scheduler (bot/scheduler.py), every
OPSBOT_KPI_PULL_MINUTES: each fire time is pulled by one replica only. A spike whose post
failed stays unannounced and goes out with the next pull.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from commands.kpi.alerts import announce_spikes
from commands.kpi.importing import ImportSummary, find_spikes, write_batches
from commands.kpi.registry import KpiRegistry
from commands.kpi.spikes import spike_params
from commands.periodic import RecurringWork
from integrations.kpi_sources.http_pull import (
    KpiInputError,
    KpiSourceError,
    fetch_rows,
    make_source_client,
    validate_rows,
)
from storage.engine import in_worker, off_loop, unit_of_work

log = logging.getLogger(__name__)


async def pull_once(runtime: Any, registry: KpiRegistry, *, transport: Any = None) -> ImportSummary:
    """Fetch every row, validate all, replace them in one transaction, announce new spikes."""
    settings = runtime.settings
    token = settings.opsbot_kpi_source_token
    url = settings.opsbot_kpi_source_url
    async with make_source_client(
        token.get_secret_value() if token else None, transport=transport
    ) as client:
        rows = await fetch_rows(client, url)
    batch = validate_rows(rows, source=url.split("?")[0], timezone=settings.opsbot_timezone)

    def write(session: Session) -> ImportSummary:
        summary = write_batches(session=session, batches=[batch])
        summary.new_spikes = find_spikes(
            session=session, registry=registry, params=spike_params(settings)
        )
        return summary

    summary = await in_worker(runtime.sessions, write)
    if summary.new_vendors:  # the registry learnt them; an admin may want to name them
        log.info("KPI pull found new vendor(s): %s", ", ".join(summary.new_vendors))

    async def post(channel: str, message: dict[str, Any]) -> None:
        await runtime.slack.chat_postMessage(channel=channel, **message)

    await announce_spikes(
        sessions=runtime.sessions,
        registry=registry,
        channel=settings.opsbot_alerts_channel,
        post=post,
    )
    await off_loop(runtime.sessions, run_import_hooks, runtime)
    return summary


def run_import_hooks(runtime: Any) -> list[object]:
    """Run what other features registered to follow a KPI import (KPI rules, say)."""
    results: list[object] = []
    for hook in runtime.kpi_import_hooks:
        with unit_of_work(runtime.sessions) as session:
            results.append(hook(session))
    return results


PULL_JOB = "kpi-pull"


class PullLoop:
    """Run `pull_once` every OPSBOT_KPI_PULL_MINUTES; failures are logged and counted."""

    def __init__(self, runtime: Any, registry: KpiRegistry, *, transport: Any = None) -> None:
        self.runtime = runtime
        self.registry = registry
        self.transport = transport

    async def run_once(self) -> bool:
        """Pull once; return whether it succeeded (the outcome is counted either way)."""
        jobs = self.runtime.metrics.jobs
        try:
            summary = await pull_once(self.runtime, self.registry, transport=self.transport)
        except (KpiSourceError, KpiInputError) as exc:
            log.warning("KPI pull failed: %s", exc)
            jobs.labels("kpi_pull", "refused").inc()
            return False
        except Exception:
            log.exception("KPI pull failed")
            jobs.labels("kpi_pull", "error").inc()
            return False
        log.info("KPI pull imported %d rows", summary.rows)
        jobs.labels("kpi_pull", "ok").inc()
        return True

    async def step(self, _now: object) -> None:
        """Scheduler step: one pull (its outcome is logged and counted, never raised)."""
        await self.run_once()

    def recurring(self) -> RecurringWork:
        """Return the pull as a claimed job for the scheduler."""
        minutes = self.runtime.settings.opsbot_kpi_pull_minutes
        return RecurringWork(PULL_JOB, self.step, every_seconds=minutes * 60.0)
