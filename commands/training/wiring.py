"""Wire training rollouts into a runtime: outbox jobs, the digest section, daily nudges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.kpi.setup import spike_params
from commands.periodic import PeriodicTask
from commands.training.digest import TrainingDigestSource
from commands.training.jobs import TrainingJobs
from commands.training.pull import AssessmentPullLoop, assessment_pull_configured
from commands.training.scores import assessment_detector

NUDGE_SWEEP_SECONDS = 300.0


def install_training(runtime: Any) -> TrainingJobs:
    """Register the rollout jobs; sweep for overdue rollouts while the scheduler runs here."""

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
    if runtime.settings.opsbot_scheduler == "on":
        sweep = PeriodicTask("training.nudges", jobs.send_nudges, interval=NUDGE_SWEEP_SECONDS)
        runtime.on_startup.append(sweep.start)
        runtime.on_shutdown.append(sweep.stop)
    runtime.assessment_pull = None
    if assessment_pull_configured(runtime.settings):
        pull = AssessmentPullLoop(runtime)
        runtime.assessment_pull = pull
        runtime.on_startup.append(pull.start)
        runtime.on_shutdown.append(pull.stop)
    return jobs
