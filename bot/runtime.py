"""The composition root's container: everything built once and handed down."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.audit_writer import AuditWriter
from bot.background import BackgroundTasks
from bot.housekeeping import install_housekeeping
from bot.scheduler import install_checkins
from bot.settings import Settings
from commands.authz import AdminPolicy
from commands.checkin_questions.jobs import install_checkin_questions
from commands.digest import DigestSource
from commands.escalations.digest import EscalationDigestSource
from commands.escalations.wiring import install_escalations
from commands.home.jobs import install_home
from commands.incident_channels.jobs import install_incident_channels
from commands.initiatives.wiring import install_planning
from commands.kb.wiring import install_kb
from commands.kpi.setup import install as install_kpi
from commands.nudges.jobs import install_nudges
from commands.permissions import Permissions
from commands.routing.setup import install_routing
from integrations.metrics import OpsMetrics
from integrations.slack_api import InstrumentedWebClient, make_slack_client
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, make_engine, session_factory
from storage.types import utcnow

log = logging.getLogger("opsbot.runtime")


@dataclass
class Runtime:
    """Settings, storage, clients and services shared by every request of one process."""

    settings: Settings
    engine: Engine
    sessions: SessionFactory
    metrics: OpsMetrics
    slack: InstrumentedWebClient
    directory: SlackDirectory
    admins: AdminPolicy
    background: BackgroundTasks
    audit: AuditWriter
    # Feature services reach handlers through Bolt's context under these names.
    services: dict[str, Any] = field(default_factory=dict)
    # Long-running parts (outbox worker, scheduler) started and stopped with the server.
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Verified, deduplicated Jira webhook bodies are handed to each of these.
    jira_webhook_sinks: list[Callable[[dict[str, Any]], Awaitable[None]]] = field(
        default_factory=list
    )

    def context_items(self) -> dict[str, Any]:
        """Return what each request's Bolt context carries, by argument name."""
        return {
            "settings": self.settings,
            "sessions": self.sessions,
            "metrics": self.metrics,
            "directory": self.directory,
            "admins": self.admins,
            "background": self.background,
            **self.services,
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


def build_runtime(settings: Settings, *, engine: Engine | None = None) -> Runtime:
    """Build the runtime for `settings` (an engine may be passed in by tests)."""
    engine = engine or make_engine(settings.database_url)
    sessions = session_factory(engine)
    metrics = OpsMetrics()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = make_slack_client(token=token, base_url=settings.slack_api_url, metrics=metrics)
    directory = SlackDirectory(slack)
    admins = AdminPolicy(
        user_ids=settings.admin_user_ids, group_id=settings.admin_group_id, directory=directory
    )
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        slack=slack,
        directory=directory,
        admins=admins,
        background=BackgroundTasks(sessions, metrics),
        audit=AuditWriter(engine, metrics),
    )
    runtime.services["permissions"] = Permissions(admins=admins, seal_key=_seal_key(settings))
    runtime.on_startup.append(runtime.audit.start)
    runtime.on_startup.append(_warn_without_admins(admins))
    runtime.on_shutdown.insert(0, runtime.audit.stop)
    # The one reading of "now" that handlers and jobs share; tests and the shell replace it.
    runtime.services["clock"] = utcnow
    # Features add their sections here; check-ins and the team summary render them in order.
    digest_sources: list[DigestSource] = []
    runtime.services["digest_sources"] = digest_sources
    # Called with a session right after every KPI import (CLI or pull), e.g. KPI rules.
    kpi_import_hooks: list[Callable[[Session], object]] = []
    runtime.services["kpi_import_hooks"] = kpi_import_hooks
    install_escalations(runtime)  # outbox service, tracker, escalation jobs, Jira webhook sink
    digest_sources.append(EscalationDigestSource(areas=runtime.services["escalations"].areas))
    install_kpi(runtime)  # kpi_registry service, "kpi" digest source, HTTP pull loop
    install_checkins(runtime)  # "actions"/"topics" sources, checkin_runner, scheduler
    install_planning(runtime)  # initiatives, suggestions, KPI rules, weekly team summary
    install_kb(runtime)  # stale-articles digest section, training rollout jobs
    install_routing(runtime)  # "routing" digest section
    install_housekeeping(runtime)
    install_home(runtime)  # App Home publisher and its debounced refresh
    install_nudges(runtime)  # nudges for stale SEV1/SEV2 escalations and initiatives
    install_incident_channels(runtime)  # SEV1 channels (OPSBOT_SEV1_CHANNELS=on)
    install_checkin_questions(runtime)  # two-way check-ins: questions, answers in digests
    return runtime
