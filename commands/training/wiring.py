"""Wire training rollouts into a runtime: outbox jobs, the digest section, daily nudges.

The nudge sweep and the assessment pull are claimed jobs handed to the runtime
(`recurring_work`); bot/ puts them on the one scheduler when this process runs it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.periodic import RecurringWork
from commands.training.config import TrainingConfig
from commands.training.digest import TrainingDigestSource
from commands.training.jobs import TrainingJobs
from commands.training.pull import AssessmentPullLoop
from commands.training.scores import assessment_detector

NUDGE_JOB = "training-nudges"
NUDGE_SWEEP_SECONDS = 300.0


def install_training(runtime: Any) -> TrainingJobs:
    """Register the rollout jobs, the digest section, the nudge sweep and the assessment pull."""

    def now() -> datetime:
        # Read at call time: the shell and tests replace the runtime's clock after start-up.
        return runtime.clock()  # type: ignore[no-any-return]

    jobs = TrainingJobs(
        sessions=runtime.sessions, slack=runtime.slack, outbox=runtime.outbox, clock=now
    )
    jobs.register()
    runtime.training_jobs = jobs
    config: TrainingConfig = runtime.training_config
    detector = assessment_detector(config.spikes)
    runtime.digest_sources.append(TrainingDigestSource(detector))

    async def nudge(_now: datetime) -> None:
        # One sweep per fire time; the per-rollout daily claim still keeps a nudge to one a day.
        await jobs.send_nudges()

    runtime.recurring_work.append(RecurringWork(NUDGE_JOB, nudge, NUDGE_SWEEP_SECONDS))
    runtime.assessment_pull = None
    if config.assessment_source_url is not None:
        pull = AssessmentPullLoop(runtime)
        runtime.assessment_pull = pull
        runtime.recurring_work.append(pull.recurring())
    return jobs
