"""SEV1 channels through the outbox: open, mirror, close, archive; a failure keeps the thread.

A sweep on the scheduler (every `SWEEP_SECONDS`) queues the steps `service.queue_due_steps`
finds; the outbox runs them with its retries. A step Slack refuses for good (a workspace that
forbids channel creation, say) marks the channel degraded and says so in the escalation's
thread, which carries on as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.escalations.service import EscalationDesk
from commands.escalations.views import escalation_message
from commands.incident_channels import views
from commands.incident_channels.config import IncidentChannelsConfig
from commands.incident_channels.parsing import Responders, channel_name
from commands.incident_channels.service import (
    ARCHIVE_JOB,
    CLOSE_JOB,
    MIRROR_JOB,
    OPEN_JOB,
    SweepResult,
    queue_due_steps,
)
from integrations.outbox import GiveUp, JobContext, OutboxWorker, RetryLater
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker
from storage.escalations import Escalation, escalation_by_id, events_for
from storage.surfaces import DEGRADED, OPEN, OPENING, IncidentChannel, incident_channel

log = logging.getLogger("opsbot.incident_channels")
SWEEP_JOB = "sev1-channels"
SWEEP_SECONDS = 30.0
_HARMLESS = {"already_in_channel", "cant_invite_self", "already_archived"}


def _ts_of(posted: Any) -> str:
    """Return the posted message's ts ("-" when Slack's answer carried none)."""
    return str((posted or {}).get("ts") or "-")


def _slack_failure(exc: SlackApiError) -> Exception:
    """Return RetryLater for what time fixes (rate limits, 5xx), GiveUp for refusals."""
    error = str(exc.response.get("error") or "error")
    if error == "ratelimited" or exc.response.status_code >= 500:
        return RetryLater(error)
    return GiveUp(error)


@dataclass
class IncidentChannels:
    """The outbox handlers and the sweep of SEV1 channels."""

    sessions: SessionFactory
    slack: Any  # the bot's AsyncWebClient
    directory: SlackDirectory
    outbox: OutboxWorker
    desk: EscalationDesk
    responders: Responders
    archive_hours: float

    def register(self) -> None:
        """Register the four job kinds (always: jobs queued before a restart still run)."""
        self.outbox.register(OPEN_JOB, self.open, on_failed=self.degrade)
        self.outbox.register(MIRROR_JOB, self.mirror)
        self.outbox.register(CLOSE_JOB, self.close)
        self.outbox.register(ARCHIVE_JOB, self.archive)

    async def sweep(self, now: datetime) -> SweepResult:
        """Scheduler step: queue what is due, then wake the outbox."""
        after = timedelta(hours=self.archive_hours)
        result = await in_worker(
            self.sessions, lambda s: queue_due_steps(session=s, now=now, archive_after=after)
        )
        self.outbox.wake()
        return result

    async def _load(self, job: JobContext) -> tuple[Escalation, IncidentChannel]:
        escalation_id = int(job.payload["escalation_id"])

        def load(session: Session) -> tuple[Escalation | None, IncidentChannel | None]:
            return escalation_by_id(session, escalation_id), incident_channel(
                session, escalation_id
            )

        escalation, record = await in_worker(self.sessions, load)
        if escalation is None or record is None:
            raise GiveUp("the escalation is gone")
        return escalation, record

    async def _update(self, escalation_id: int, **values: Any) -> None:
        def update(session: Session) -> None:
            record = incident_channel(session, escalation_id)
            if record is not None:
                for name, value in values.items():
                    setattr(record, name, value)
                session.add(record)

        await in_worker(self.sessions, update)

    async def _call(self, method: str, **args: Any) -> Any:
        try:
            return await getattr(self.slack, method)(**args)
        except SlackApiError as exc:
            if exc.response.get("error") in _HARMLESS:
                return None
            raise _slack_failure(exc) from exc

    async def _create(self, escalation: Escalation) -> str:
        key = escalation.key or str(escalation.id)
        for suffix in ("", f"-{escalation.id}"):
            try:
                name = channel_name(key, escalation.title, suffix=suffix)
                created = await self.slack.conversations_create(name=name)
                return str(created["channel"]["id"])
            except SlackApiError as exc:
                if exc.response.get("error") != "name_taken" or suffix:
                    raise _slack_failure(exc) from exc
        raise GiveUp("name_taken")

    async def _members(self, escalation: Escalation) -> list[str]:
        users = [escalation.reporter_id, escalation.assignee_slack_id, *self.responders.users]
        for group in self.responders.groups:
            try:
                users.extend(sorted(await self.directory.usergroup_members(group)))
            except SlackApiError as exc:
                log.warning("responder group %s unreadable: %s", group, exc.response.get("error"))
        return list(dict.fromkeys(u for u in users if u))

    async def open(self, job: JobContext) -> None:
        """Create `#esc-<key>-<slug>`, set its topic, invite, post the card, point the thread.

        Each step that posts is recorded as it succeeds, so a retry after a later step failed
        neither creates a second channel nor posts the card or the thread note twice.
        """
        escalation, record = await self._load(job)
        escalation_id = escalation.id or 0
        if record.state == OPENING:
            channel_id = record.channel_id
            if channel_id is None:
                channel_id = await self._create(escalation)
                await self._update(escalation_id, channel_id=channel_id)
            await self._call(
                "conversations_setTopic", channel=channel_id, topic=views.topic(escalation)
            )
            members = await self._members(escalation)
            if members:
                await self._call(
                    "conversations_invite", channel=channel_id, users=",".join(members)
                )
            if record.card_ts is None:
                card = escalation_message(escalation, self.desk.areas, footer=self.desk.footer())
                posted = await self._call("chat_postMessage", channel=channel_id, **card)
                await self._update(escalation_id, card_ts=_ts_of(posted))
            seen = await in_worker(self.sessions, lambda s: events_for(s, escalation_id))
            last = max((e.id or 0 for e in seen), default=0)
            await self._update(escalation_id, state=OPEN, mirrored_event_id=last)
            record.channel_id = channel_id
        elif record.state != OPEN or record.note_posted:
            return
        await self._thread_note(escalation, views.opened_note(record.channel_id or ""))
        await self._update(escalation_id, note_posted=True)

    async def degrade(self, job: JobContext, error: str) -> None:
        """No channel after all: say so in the thread, which stays the place for updates."""
        escalation, record = await self._load(job)
        if record.state == OPEN:  # the channel is there; only its note in the thread failed
            log.warning("SEV1 channel of %s open, its thread note not: %s", escalation.key, error)
            return
        await self._update(escalation.id or 0, state=DEGRADED, error=error[:200])
        try:
            await self._thread_note(escalation, views.degraded_note(error))
        except (GiveUp, RetryLater) as exc:  # the hook has no retries of its own
            log.warning("SEV1 channel note for %s not posted: %s", escalation.key, exc)

    async def _thread_note(self, escalation: Escalation, text: str) -> None:
        if escalation.channel_id and escalation.message_ts:
            await self._call(
                "chat_postMessage",
                channel=escalation.channel_id,
                thread_ts=escalation.message_ts,
                text=text,
            )

    async def mirror(self, job: JobContext) -> None:
        """Copy the escalation's changes since the last mirror into its channel."""
        escalation, record = await self._load(job)
        upto = int(job.payload["upto"])
        events = await in_worker(self.sessions, lambda s: events_for(s, escalation.id or 0))
        fresh = [
            e
            for e in events
            if record.mirrored_event_id < (e.id or 0) <= upto and e.kind != "created"
        ]
        if fresh and record.channel_id:
            await self._call(
                "chat_postMessage", channel=record.channel_id, text=views.mirror_text(fresh)
            )
        await self._update(
            escalation.id or 0, mirrored_event_id=max(upto, record.mirrored_event_id)
        )

    async def close(self, job: JobContext) -> None:
        """Post the root cause and when the channel goes."""
        escalation, record = await self._load(job)
        if record.channel_id:
            text = views.closed_text(escalation, self.archive_hours)
            await self._call("chat_postMessage", channel=record.channel_id, text=text)

    async def archive(self, job: JobContext) -> None:
        """Archive the channel after the grace period."""
        _, record = await self._load(job)
        if record.channel_id:
            await self._call("conversations_archive", channel=record.channel_id)


def install_incident_channels(runtime: Any) -> IncidentChannels:
    """Register the job kinds; with OPSBOT_SEV1_CHANNELS=on, the sweep on the scheduler too."""
    config: IncidentChannelsConfig = runtime.incident_channels_config
    channels = IncidentChannels(
        sessions=runtime.sessions,
        slack=runtime.slack,
        directory=runtime.directory,
        outbox=runtime.outbox,
        desk=runtime.escalations,
        responders=config.responders,
        archive_hours=config.archive_hours,
    )
    channels.register()
    runtime.incident_channels = channels
    scheduler = runtime.checkin_scheduler
    if config.enabled and scheduler is not None:
        scheduler.add_recurring(SWEEP_JOB, channels.sweep, every_seconds=SWEEP_SECONDS)
    return channels
