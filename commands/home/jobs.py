"""Publishing the App Home, and the debounced refresh that keeps open homes current.

A home is published when its user opens it, and again when what it shows changes: every
`REFRESH_SECONDS` a sweep renders each recently opened home and publishes those whose content
differs from what was last published. Changes within one interval coalesce into one publish
(the debounce), and the fingerprint swap in `claim_publish` lets one replica publish each.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.authz import AdminPolicy
from commands.digest import DigestSource
from commands.home.config import HomeConfig
from commands.home.service import build_home, home_actor
from commands.home.views import home_view
from commands.permissions import Actor
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker
from storage.surfaces import claim_publish, home_state, opened_homes, record_opened

log = logging.getLogger("opsbot.home")

REFRESH_JOB = "home-refresh"
REFRESH_SECONDS = 60.0
KEEP_FRESH = timedelta(days=14)  # homes not opened for this long are left alone


@dataclass
class HomePublisher:
    """Renders and publishes homes; handed to handlers as `home` and run by the scheduler."""

    sessions: SessionFactory
    slack: Any  # the bot's AsyncWebClient
    directory: SlackDirectory
    admins: AdminPolicy
    clock: Callable[[], datetime]
    timezone: str
    digest_sources: list[DigestSource]
    near_days: int = 14
    stale_days: int = 14

    async def team_of(self, user_id: str) -> str | None:
        """Return the user's Slack team (a Slack Connect partner's differs from ours)."""
        try:
            team = (await self.directory.user(user_id)).get("team_id")
        except SlackApiError:
            return None
        return str(team) if team else None

    async def actor(self, user_id: str, team_id: str | None = None) -> Actor:
        """Return the viewer with the vendor scope they belong to."""
        team = team_id or await self.team_of(user_id)
        is_admin = await self.admins.is_admin(user_id)
        return await in_worker(
            self.sessions,
            lambda s: home_actor(s, user_id=user_id, team_id=team, is_admin=is_admin),
        )

    async def render(self, user_id: str, team_id: str | None) -> tuple[dict[str, Any], str]:
        """Return the user's home view and its fingerprint."""
        actor = await self.actor(user_id, team_id)
        now = self.clock()
        kpi = next((s for s in self.digest_sources if s.key == "kpi"), None)

        def collect(session: Session) -> Any:
            return build_home(
                session=session,
                actor=actor,
                now=now,
                timezone=self.timezone,
                kpi_source=kpi,
                near_days=self.near_days,
                stale_days=self.stale_days,
            )

        view = home_view(await in_worker(self.sessions, collect), now=now)
        canonical = json.dumps(view, sort_keys=True, separators=(",", ":"))
        return view, hashlib.sha256(canonical.encode()).hexdigest()

    async def opened(self, user_id: str) -> None:
        """Publish the home a user just opened, and keep it fresh from now on."""
        team = await self.team_of(user_id)
        now = self.clock()
        await in_worker(
            self.sessions, lambda s: record_opened(s, user_id=user_id, team_id=team, now=now)
        )
        await self.refresh(user_id, team, force=True)

    async def refresh(self, user_id: str, team_id: str | None, *, force: bool = False) -> bool:
        """Publish the user's home if it changed (always with `force`); True when published."""
        view, fingerprint = await self.render(user_id, team_id)
        state = await in_worker(self.sessions, lambda s: home_state(s, user_id))
        seen = state.fingerprint if state is not None else ""
        if state is None or (seen == fingerprint and not force):
            return False
        now = self.clock()
        won = await in_worker(
            self.sessions,
            lambda s: claim_publish(
                s, user_id=user_id, seen=seen, fingerprint=fingerprint, now=now
            ),
        )
        if not won:
            return False  # another replica (or request) published it meanwhile
        try:
            await self.slack.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("home of %s not published: %s", user_id, exc.response.get("error"))
            # Forget the fingerprint so the next sweep tries again.
            await in_worker(
                self.sessions,
                lambda s: claim_publish(
                    s, user_id=user_id, seen=fingerprint, fingerprint="", now=now
                ),
            )
            return False
        return True

    async def refresh_user(self, user_id: str) -> None:
        """Refresh one user's home now (after a change made from it), if they opened it."""
        state = await in_worker(self.sessions, lambda s: home_state(s, user_id))
        if state is not None:
            await self.refresh(user_id, state.team_id)

    async def sweep(self, now: datetime) -> int:
        """Scheduler step: refresh every recently opened home that changed; return how many."""
        homes = await in_worker(self.sessions, lambda s: opened_homes(s, since=now - KEEP_FRESH))
        published = 0
        for state in homes:
            if await self.refresh(state.user_id, state.team_id):
                published += 1
        return published


def install_home(runtime: Any) -> HomePublisher:
    """Register the publisher (`home`) and its scheduled refresh."""
    config: HomeConfig = runtime.home_config
    publisher = HomePublisher(
        sessions=runtime.sessions,
        slack=runtime.slack,
        directory=runtime.directory,
        admins=runtime.admins,
        clock=lambda: runtime.clock(),
        timezone=config.timezone,
        digest_sources=runtime.digest_sources,
        near_days=config.near_days,
        stale_days=config.stale_days,
    )
    runtime.home = publisher
    # Present when this process runs the scheduler (OPSBOT_SCHEDULER=on, or `opsbot scheduler`).
    scheduler = runtime.checkin_scheduler
    if scheduler is not None:
        scheduler.add_recurring(REFRESH_JOB, publisher.sweep, every_seconds=REFRESH_SECONDS)
    return publisher
