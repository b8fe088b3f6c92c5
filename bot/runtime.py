"""The composition root's container: everything built once and handed down."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import family_configs as configs
from bot.audit_writer import AuditWriter
from bot.housekeeping import install_housekeeping
from bot.scheduler import REMINDER_SECONDS, REMINDERS_JOB, CheckinScheduler
from bot.settings import Settings
from commands.actions.wiring import install_actions
from commands.authz import AdminPolicy
from commands.background import BackgroundTasks
from commands.checkin_questions.jobs import CheckinAsker, install_checkin_questions
from commands.checkins.config import CheckinsConfig
from commands.checkins.runner import CheckinRunner
from commands.checkins.wiring import install_checkins
from commands.digest import DigestSource
from commands.escalations.config import EscalationConfig
from commands.escalations.jobs import EscalationJobs
from commands.escalations.service import EscalationDesk
from commands.escalations.wiring import install_escalations
from commands.home.config import HomeConfig
from commands.home.jobs import HomePublisher, install_home
from commands.incident_channels.config import IncidentChannelsConfig
from commands.incident_channels.jobs import IncidentChannels, install_incident_channels
from commands.initiatives.config import InitiativeConfig
from commands.initiatives.desk import PlanningDesk
from commands.initiatives.wiring import install_planning
from commands.kb.config import KbConfig
from commands.kb.wiring import install_kb
from commands.kpi.config import KpiConfig
from commands.kpi.pull import PullLoop
from commands.kpi.registry import KpiRegistry
from commands.kpi.setup import install as install_kpi
from commands.kpi.snapshot_cache import SnapshotCache
from commands.links.config import LinksConfig
from commands.nudges.config import NudgesConfig
from commands.nudges.jobs import NudgeSender, install_nudges
from commands.periodic import RecurringWork
from commands.permissions import Permissions
from commands.routing.config import RoutingConfig
from commands.routing.pull import CasePullLoop
from commands.routing.setup import install_routing
from commands.rules.config import RulesConfig
from commands.rules.jobs import RuleSweep
from commands.rules.wiring import install_rules
from commands.suggestions.wiring import install_suggestions
from commands.summary.config import SummaryConfig
from commands.summary.loop import SummaryRunner, install_summary
from commands.team_config import TeamConfig
from commands.training.config import TrainingConfig
from commands.training.jobs import TrainingJobs
from commands.training.pull import AssessmentPullLoop
from commands.training.wiring import install_training
from commands.work_queue import WorkQueue
from integrations.metrics import OpsMetrics
from integrations.outbox import OutboxPolicy, OutboxWorker
from integrations.slack_api import InstrumentedWebClient, make_slack_client
from integrations.slack_directory import SlackDirectory
from integrations.tracker.base import Tracker
from integrations.tracker.jira_webhook import TrackerChange
from integrations.tracker.local_tracker import LocalTracker
from storage.engine import SessionFactory, WorkerSessions, make_engine, session_factory
from storage.types import utcnow

log = logging.getLogger("opsbot.runtime")


@dataclass(slots=True)
class Runtime:
    """Settings, storage, clients and services shared by every request of one process.

    The fields after `on_shutdown` are installed by the command families, in the order
    `build_runtime` calls them. Until its family installs it such a field does not exist
    (reading it raises AttributeError), so a feature that needs another installed first fails
    at build time, and `check_installed` refuses a runtime a family forgot. Slots make a
    misspelt field an error too.
    """

    settings: Settings
    engine: Engine
    sessions: WorkerSessions
    metrics: OpsMetrics
    slack: InstrumentedWebClient
    # No automatic retries: for posts whose retry first looks for them in the channel
    # (digests, the team summary), so a 5xx after Slack stored a message never posts it twice.
    slack_once: InstrumentedWebClient
    directory: SlackDirectory
    admins: AdminPolicy
    background: BackgroundTasks
    audit: AuditWriter
    permissions: Permissions
    outbox: OutboxWorker
    tracker: Tracker
    # The bounded queue for expensive work (why, chart, break-down, proposals).
    work_queue: WorkQueue
    # The settings every family shares (the team's time zone); a family with more has its own.
    # All are built from Settings in bot/family_configs.py: families never read Settings.
    team_config: TeamConfig
    kpi_config: KpiConfig
    kb_config: KbConfig
    home_config: HomeConfig
    links_config: LinksConfig
    summary_config: SummaryConfig
    rules_config: RulesConfig
    checkins_config: CheckinsConfig
    incident_channels_config: IncidentChannelsConfig
    nudges_config: NudgesConfig
    escalation_config: EscalationConfig
    initiative_config: InitiativeConfig
    training_config: TrainingConfig
    routing_config: RoutingConfig
    # The one reading of "now" that handlers and jobs share; tests and the shell replace it.
    clock: Callable[[], datetime] = utcnow
    # Features add their sections here; check-ins and the team summary render them in order.
    digest_sources: list[DigestSource] = field(default_factory=list)
    # Called with a session right after every KPI import (CLI or pull), e.g. KPI rules.
    kpi_import_hooks: list[Callable[[Session], object]] = field(default_factory=list)
    # Long-running parts (outbox worker, scheduler) started and stopped with the server.
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Verified, deduplicated Jira webhook bodies are handed to each of these.
    jira_webhook_sinks: list[Callable[[TrackerChange], Awaitable[None]]] = field(
        default_factory=list
    )
    # Periodic work the families declare; put on the scheduler when this process runs it.
    recurring_work: list[RecurringWork] = field(default_factory=list)
    # Installed by the families (see build_runtime for the order).
    escalations: EscalationDesk = field(init=False)
    escalation_jobs: EscalationJobs = field(init=False)
    kpi_registry: KpiRegistry = field(init=False)
    kpi_snapshots: SnapshotCache = field(init=False)
    checkin_runner: CheckinRunner = field(init=False)
    # None when this process does not run the scheduler (OPSBOT_SCHEDULER=off).
    checkin_scheduler: CheckinScheduler | None = field(init=False)
    # None unless OPSBOT_KPI_SOURCE_URL is set.
    kpi_pull: PullLoop | None = field(init=False)
    rule_sweep: RuleSweep = field(init=False)
    planning_desk: PlanningDesk = field(init=False)
    summary_runner: SummaryRunner = field(init=False)
    training_jobs: TrainingJobs = field(init=False)
    # None unless OPSBOT_ASSESSMENT_SOURCE_URL is set.
    assessment_pull: AssessmentPullLoop | None = field(init=False)
    # None unless SALESFORCE_* is set.
    routing_pull: CasePullLoop | None = field(init=False)
    home: HomePublisher = field(init=False)
    nudges: NudgeSender = field(init=False)
    incident_channels: IncidentChannels = field(init=False)
    checkin_asker: CheckinAsker = field(init=False)

    def check_installed(self) -> None:
        """Raise when a family field was never installed (a family left out of the build)."""
        missing = [f.name for f in fields(self) if not f.init and not hasattr(self, f.name)]
        if missing:
            raise RuntimeError(f"runtime built without {', '.join(missing)}")

    def context_items(self) -> dict[str, Any]:
        """Return what each request's Bolt context carries, by handler argument name."""
        return {
            "sessions": self.sessions,
            "metrics": self.metrics,
            "directory": self.directory,
            "admins": self.admins,
            "background": self.background,
            "permissions": self.permissions,
            "outbox": self.outbox,
            "tracker": self.tracker,
            "work_queue": self.work_queue,
            "clock": self.clock,
            "digest_sources": self.digest_sources,
            "kpi_import_hooks": self.kpi_import_hooks,
            "escalations": self.escalations,
            "escalation_jobs": self.escalation_jobs,
            "kpi_registry": self.kpi_registry,
            "kpi_snapshots": self.kpi_snapshots,
            "checkin_runner": self.checkin_runner,
            "checkin_scheduler": self.checkin_scheduler,
            "planning_desk": self.planning_desk,
            "summary_runner": self.summary_runner,
            "training_jobs": self.training_jobs,
            "routing_pull": self.routing_pull,
            "kpi_pull": self.kpi_pull,
            "rule_sweep": self.rule_sweep,
            "home": self.home,
            "team_config": self.team_config,
            "kpi_config": self.kpi_config,
            "kb_config": self.kb_config,
            "home_config": self.home_config,
            "links_config": self.links_config,
            "training_config": self.training_config,
        }

    async def start(self) -> None:
        """Start the long-running parts."""
        for hook in self.on_startup:
            await hook()

    async def aclose(self) -> None:
        """Stop the long-running parts, finish background work, release connections."""
        for hook in reversed(self.on_shutdown):
            try:
                await hook()
            except Exception:
                # One part failing to stop (say, the database is gone) must not keep the
                # others running or the connections open.
                log.exception("shutdown step %s failed", getattr(hook, "__qualname__", hook))
        await self.background.drain()
        # Units of work still on the worker pool finish (and return their connections)
        # before the engine is disposed; waited for on a thread so the loop keeps running.
        await asyncio.to_thread(self.sessions.shutdown)
        self.engine.dispose()


def _seal_key(settings: Settings) -> bytes:
    """Return the server secret modal contexts are sealed with (random for offline use)."""
    candidates = (settings.slack_signing_secret, settings.slack_app_token, settings.slack_bot_token)
    for secret in candidates:
        if secret is not None and secret.get_secret_value():
            return secret.get_secret_value().encode()
    # `opsbot shell` runs without Slack secrets, in one process: a key of its own will do.
    return os.urandom(32)


def _warn_without_admins(admins: AdminPolicy) -> Callable[[], Awaitable[None]]:
    async def warn() -> None:
        admins.warn_if_unconfigured()  # said once, at start, with how to set OPSBOT_ADMINS

    return warn


def _build_outbox(
    settings: Settings, sessions: SessionFactory, metrics: OpsMetrics
) -> OutboxWorker:
    return OutboxWorker(
        sessions=sessions,
        metrics=metrics,
        policy=OutboxPolicy(
            max_attempts=settings.opsbot_outbox_max_attempts,
            base_delay=settings.opsbot_outbox_base_delay,
            max_delay=settings.opsbot_outbox_max_delay,
            poll_interval=settings.opsbot_outbox_poll_seconds,
            lease_seconds=settings.opsbot_outbox_lease_seconds,
        ),
    )


def _build_tracker(settings: Settings, sessions: SessionFactory, metrics: OpsMetrics) -> Tracker:
    """Return Jira when JIRA_URL is set, else the local tracker."""
    if not settings.jira_configured:
        return LocalTracker(sessions)
    # Imported only with Jira configured: the jira library (and requests) cost every start-up.
    from integrations.tracker.jira_tracker import JiraConfig, JiraTracker

    config = JiraConfig(
        url=str(settings.jira_url),
        email=settings.jira_email,
        api_token=settings.jira_api_token.get_secret_value() if settings.jira_api_token else None,
        pat=settings.jira_pat.get_secret_value() if settings.jira_pat else None,
        timeout=settings.jira_timeout_seconds,
        workers=settings.jira_workers,
    )
    return JiraTracker(config, metrics=metrics)


def _install_scheduler(runtime: Runtime) -> None:
    """Run the scheduler in this process when OPSBOT_SCHEDULER=on (or `opsbot scheduler`)."""
    runtime.checkin_scheduler = None
    if runtime.settings.opsbot_scheduler != "on":
        return
    service = CheckinScheduler(runtime, runtime.checkin_runner)
    runtime.checkin_scheduler = service
    runtime.audit.schedule_on(service)
    service.add_recurring(
        REMINDERS_JOB, service.send_reminders, every_seconds=REMINDER_SECONDS, claimed=True
    )
    runtime.on_startup.append(service.start)
    runtime.on_shutdown.append(service.stop)


def build_runtime(settings: Settings, *, engine: Engine | None = None) -> Runtime:
    """Build the runtime for `settings` (an engine may be passed in by tests)."""
    engine = engine or make_engine(settings.database_url, pool=settings.pool_options)
    sessions = session_factory(engine, workers=settings.pool_options.workers)
    metrics = OpsMetrics()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = make_slack_client(token=token, base_url=settings.slack_api_url, metrics=metrics)
    slack_once = make_slack_client(
        token=token, base_url=settings.slack_api_url, metrics=metrics, max_retries=0
    )
    directory = SlackDirectory(slack)
    admins = AdminPolicy(
        user_ids=settings.admin_user_ids, group_id=settings.admin_group_id, directory=directory
    )
    background = BackgroundTasks(sessions, metrics)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        slack=slack,
        slack_once=slack_once,
        directory=directory,
        admins=admins,
        background=background,
        audit=AuditWriter(sessions, metrics),
        permissions=Permissions(admins=admins, seal_key=_seal_key(settings)),
        outbox=_build_outbox(settings, sessions, metrics),
        tracker=_build_tracker(settings, sessions, metrics),
        work_queue=WorkQueue(
            background,
            size=settings.opsbot_work_queue_size,
            per_user=settings.opsbot_work_queue_per_user,
            workers=settings.opsbot_work_queue_workers,
            metrics=metrics,
        ),
        team_config=configs.team_config(settings),
        kpi_config=configs.kpi_config(settings),
        kb_config=configs.kb_config(settings),
        home_config=configs.home_config(settings),
        links_config=configs.links_config(settings),
        summary_config=configs.summary_config(settings),
        rules_config=configs.rules_config(settings),
        checkins_config=configs.checkins_config(settings),
        incident_channels_config=configs.incident_channels_config(settings),
        nudges_config=configs.nudges_config(settings),
        escalation_config=configs.escalation_config(settings),
        initiative_config=configs.initiative_config(settings),
        training_config=configs.training_config(settings),
        routing_config=configs.routing_config(settings),
    )
    runtime.on_startup.append(runtime.audit.start)
    runtime.on_startup.append(_warn_without_admins(admins))
    runtime.on_shutdown.insert(0, runtime.audit.stop)
    runtime.on_startup.append(runtime.outbox.start)
    runtime.on_shutdown.append(runtime.outbox.stop)
    if settings.jira_configured:
        from integrations.tracker.jira_tracker import JiraTracker  # loaded only with Jira on

        if isinstance(runtime.tracker, JiraTracker):
            # After the outbox stopped (shutdown hooks run in reverse): no new Jira calls come.
            runtime.on_shutdown.insert(0, runtime.tracker.aclose)
    # The order is explicit: a family reads only fields installed above its line.
    install_escalations(runtime)  # escalations, escalation_jobs, digest section, webhook sink
    install_kpi(runtime)  # kpi_registry, kpi_snapshots, "kpi" digest source, pull loop
    install_actions(runtime)  # "actions" digest section
    install_checkins(runtime)  # "topics" digest section, checkin_runner
    _install_scheduler(runtime)  # checkin_scheduler, when this process runs it
    install_planning(runtime)  # planning_desk, its jobs, digest section and webhook sink
    install_suggestions(runtime)  # suggestion jobs on the planning desk
    install_summary(runtime, runtime.planning_desk)  # summary_runner, scheduled when here
    install_rules(runtime)  # KPI rules checked after each import, and their sweep
    install_kb(runtime)  # stale-articles digest section
    install_training(runtime)  # training_jobs, digest section, nudges
    install_routing(runtime)  # "routing" digest section, routing_pull
    install_housekeeping(runtime.checkin_scheduler, sessions, metrics)
    install_home(runtime)  # home: App Home publisher and its debounced refresh
    install_nudges(runtime)  # nudges: stale SEV1/SEV2 escalations and initiatives
    install_incident_channels(runtime)  # incident_channels: SEV1 channels (when on)
    install_checkin_questions(runtime)  # checkin_asker, "answers" digest source
    _schedule_periodic_work(runtime)  # what the families declared, on the one scheduler
    runtime.check_installed()
    return runtime


def _schedule_periodic_work(runtime: Runtime) -> None:
    """Put the features' periodic jobs on the one scheduler, when this process runs it.

    A process without it (OPSBOT_SCHEDULER=off) leaves them to the one that has it.
    """
    scheduler = runtime.checkin_scheduler
    if scheduler is None:
        return
    for work in runtime.recurring_work:
        scheduler.add_recurring(
            work.job_id, work.step, every_seconds=work.every_seconds, claimed=work.claimed
        )
