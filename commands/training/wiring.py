"""Wire training rollouts into a runtime: outbox jobs, the digest section, daily nudges.

The nudge sweep and the assessment pull are claimed jobs handed to the runtime
(`recurring_work`); bot/ puts them on the one scheduler when this process runs it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.kpi.spikes import spike_params
from commands.periodic import RecurringWork
from commands.training.digest import TrainingDigestSource
from commands.training.jobs import TrainingJobs
from commands.training.pull import AssessmentPullLoop, assessment_pull_configured
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
    detector = assessment_detector(spike_params(runtime.settings))
    runtime.digest_sources.append(TrainingDigestSource(detector))

    async def nudge(_now: datetime) -> None:
        # One sweep per fire time; the per-rollout daily claim still keeps a nudge to one a day.
        await jobs.send_nudges()

    runtime.recurring_work.append(RecurringWork(NUDGE_JOB, nudge, NUDGE_SWEEP_SECONDS))
    runtime.assessment_pull = None
    if assessment_pull_configured(runtime.settings):
        pull = AssessmentPullLoop(runtime)
        runtime.assessment_pull = pull
        runtime.recurring_work.append(pull.recurring())
    return jobs
