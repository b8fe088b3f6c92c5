"""The nudge sweep: every minute, each due nudge is claimed once and sent.

A nudge for an owner waits for their day (their Slack time zone, `users.info` tz); one with
no owner goes to the item's thread at once. The claim (rule, item, interval) is a unique row,
so several replicas send each nudge once; a failed send gives the claim back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.escalations.service import EscalationDesk
from commands.escalations.views import escalation_message
from commands.nudges.config import NudgesConfig
from commands.nudges.parsing import NudgePolicy
from commands.nudges.service import Nudge, due_nudges, new_assignments
from commands.nudges.views import nudge_message
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker
from storage.surfaces import claim_nudge, release_nudge

log = logging.getLogger("opsbot.nudges")

NUDGE_JOB = "nudges"
NUDGE_SECONDS = 60.0


@dataclass
class NudgeSender:
    """Finds due nudges, keeps owners' nights quiet, claims and sends each once."""

    sessions: SessionFactory
    slack: Any  # the bot's AsyncWebClient
    directory: SlackDirectory
    policy: NudgePolicy
    timezone: str  # used when the owner's zone is unknown
    clock: Callable[[], datetime]
    desk: EscalationDesk | None = None  # for the card a new assignee is sent

    async def _is_night_for(self, user_id: str, now: datetime) -> bool:
        try:
            zone_name = (await self.directory.user(user_id)).get("tz") or self.timezone
            zone = ZoneInfo(str(zone_name))
        except (SlackApiError, ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(self.timezone)
        return self.policy.is_night(now.astimezone(zone).hour)

    async def _send(self, nudge: Nudge) -> str:
        message = nudge_message(nudge)
        if nudge.owner_id:
            await self.slack.chat_postMessage(channel=nudge.owner_id, **message)
            return nudge.owner_id
        await self.slack.chat_postMessage(
            channel=nudge.channel_id, thread_ts=nudge.thread_ts, **message
        )
        return str(nudge.channel_id)

    async def _claim(self, nudge: Nudge, now: datetime) -> bool:
        target = nudge.owner_id or nudge.channel_id or ""

        def claim(session: Session) -> bool:
            return claim_nudge(
                session,
                rule=nudge.rule,
                item_key=nudge.item_key,
                slot=nudge.slot,
                target=target,
                now=now,
            )

        return await in_worker(self.sessions, claim)

    async def _release(self, nudge: Nudge) -> None:
        def release(session: Session) -> None:
            release_nudge(session, rule=nudge.rule, item_key=nudge.item_key, slot=nudge.slot)

        await in_worker(self.sessions, release)

    async def _tell_assignees(self, now: datetime) -> int:
        """DM each new assignee the escalation's card, once per assignment."""
        if self.desk is None:
            return 0
        assigned = await in_worker(self.sessions, lambda s: new_assignments(session=s, now=now))
        sent = 0
        for event_id, escalation in assigned:
            owner = str(escalation.assignee_slack_id)
            nudge = Nudge(
                rule="assigned",
                item_key=str(event_id),
                slot=0,
                owner_id=owner,
                channel_id=None,
                thread_ts=None,
                key=escalation.display_key,
                title=escalation.title,
                why="assigned to you",
            )
            if not await self._claim(nudge, now):
                continue
            card = escalation_message(escalation, self.desk.areas, footer=self.desk.footer())
            text = f"You were assigned {card['text']}"
            try:
                await self.slack.chat_postMessage(channel=owner, **{**card, "text": text})
            except SlackApiError as exc:
                log.warning("assignment DM to %s not sent: %s", owner, exc.response.get("error"))
                await self._release(nudge)
                continue
            sent += 1
        return sent

    async def sweep(self, now: datetime) -> int:
        """Scheduler step: send every nudge due at `now`; return how many were sent."""
        policy = self.policy
        nudges = await in_worker(
            self.sessions, lambda s: due_nudges(session=s, now=now, policy=policy)
        )
        sent = 0
        for nudge in nudges:
            if nudge.owner_id and await self._is_night_for(nudge.owner_id, now):
                continue  # not claimed: a morning sweep sends it
            if not await self._claim(nudge, now):
                continue
            try:
                await self._send(nudge)
            except SlackApiError as exc:
                error = exc.response.get("error")
                log.warning("nudge %s %s not sent: %s", nudge.rule, nudge.key, error)
                await self._release(nudge)
                continue
            sent += 1
        return sent + await self._tell_assignees(now)


def install_nudges(runtime: Any) -> NudgeSender:
    """Register the sender (context name `nudges`) and its sweep on the scheduler."""
    config: NudgesConfig = runtime.nudges_config
    sender = NudgeSender(
        sessions=runtime.sessions,
        slack=runtime.slack,
        directory=runtime.directory,
        policy=config.policy,
        timezone=config.timezone,
        clock=lambda: runtime.clock(),
        desk=runtime.escalations,
    )
    runtime.nudges = sender
    scheduler = runtime.checkin_scheduler
    if scheduler is not None:
        scheduler.add_recurring(NUDGE_JOB, sender.sweep, every_seconds=NUDGE_SECONDS)
    return sender
