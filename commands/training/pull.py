"""Scheduled pull of agent assessments from an HTTP export, like the KPI source's.

The export answers `{"rows": [...], "next_cursor": …}` with rows shaped like the CSV columns
(`date, vendor, assessment, agent, score, passed`). Every page is fetched and every row
validated before one transaction stores them; a failed pull stores nothing and is counted
in `/metrics` (`opsbot_jobs_total{job="assessment_pull"}`). The pull is a claimed job on the
one scheduler: each fire time is pulled by one replica only.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from commands.kpi.pull import run_import_hooks
from commands.periodic import RecurringWork
from commands.training.assessment_files import validate_assessment_records
from commands.training.config import TrainingConfig
from commands.training.scores import import_rows
from integrations.csv_rows import BadRows
from integrations.kpi_sources.http_pull import KpiSourceError, fetch_rows, make_source_client
from storage.engine import in_worker

log = logging.getLogger(__name__)
JOB = "assessment_pull"  # the metrics label
PULL_JOB = "assessment-pull"  # the scheduler's job (and claim) id


async def pull_assessments_once(runtime: Any, *, transport: Any = None) -> tuple[int, int]:
    """Fetch every row, validate all, store them at once; return (stored, replaced)."""
    config: TrainingConfig = runtime.training_config
    url = config.assessment_source_url
    if url is None:
        raise KpiSourceError("no assessment source is configured (OPSBOT_ASSESSMENT_SOURCE_URL)")
    async with make_source_client(config.assessment_source_token, transport=transport) as client:
        records = await fetch_rows(client, url, what="assessment source")
    rows = validate_assessment_records(records, source=url.split("?")[0])
    now = runtime.clock()
    stored, replaced = await in_worker(
        runtime.sessions, lambda session: import_rows(session=session, rows=rows, now=now)
    )
    await asyncio.to_thread(run_import_hooks, runtime)  # pass_rate rules see the new results
    return stored, replaced


class AssessmentPullLoop:
    """Run `pull_assessments_once` every OPSBOT_ASSESSMENT_PULL_MINUTES; count each outcome."""

    def __init__(self, runtime: Any, *, transport: Any = None) -> None:
        self.runtime = runtime
        self.transport = transport

    async def run_once(self) -> bool:
        """Pull once; return whether it succeeded."""
        jobs = self.runtime.metrics.jobs
        try:
            stored, replaced = await pull_assessments_once(self.runtime, transport=self.transport)
        except (KpiSourceError, BadRows) as exc:
            log.warning("assessment pull failed: %s", exc)
            jobs.labels(JOB, "refused").inc()
            return False
        except Exception:
            log.exception("assessment pull failed")
            jobs.labels(JOB, "error").inc()
            return False
        log.info("assessment pull stored %d results (%d replaced)", stored, replaced)
        jobs.labels(JOB, "ok").inc()
        return True

    async def step(self, _now: datetime) -> None:
        """Scheduler step: one pull (its outcome is logged and counted, never raised)."""
        await self.run_once()

    def recurring(self) -> RecurringWork:
        """Return the pull as a claimed job for the scheduler."""
        config: TrainingConfig = self.runtime.training_config
        minutes = config.assessment_pull_minutes
        return RecurringWork(PULL_JOB, self.step, every_seconds=minutes * 60.0)
