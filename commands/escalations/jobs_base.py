"""What every escalation outbox handler shares: the desk, sessions, Slack, and queueing."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from commands.escalations.service import EscalationDesk
from commands.escalations.views import escalation_message
from integrations.errors import NotFound
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import TrackerOutage, TrackerRejected
from storage.engine import SessionFactory, unit_of_work
from storage.escalations import Escalation, escalation_by_id

log = logging.getLogger("opsbot.escalations")


@dataclass
class JobsBase:
    """The desk, sessions, Slack client and directory the escalation jobs are bound to."""

    desk: EscalationDesk
    sessions: SessionFactory
    slack: Any  # the instrumented AsyncWebClient
    directory: Any  # SlackDirectory

    # -- queueing helpers (each commits at once: no await holds a write open) ---------------

    def _queue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> None:
        with unit_of_work(self.sessions) as session:
            self.enqueue(session, kind, payload, key)
        self.desk.outbox.wake()

    def enqueue(
        self, session: Session, kind: str, payload: dict[str, Any], key: str | None = None
    ) -> None:
        """Queue one escalation job in the caller's unit of work (wake the outbox after)."""
        self.desk.outbox.enqueue(
            session, kind=kind, payload=payload, key=key or f"{kind}:{uuid.uuid4().hex}"
        )

    def queue_refresh(self, escalation_id: int) -> None:
        """Queue a chat.update of the escalation's message."""
        self._queue("escalation.refresh", {"escalation_id": escalation_id})

    def queue_thread(self, escalation_id: int, text: str, key: str | None = None) -> None:
        """Queue a reply in the escalation's thread."""
        self._queue("escalation.thread", {"escalation_id": escalation_id, "text": text}, key)

    def queue_notify(self, *, user_id: str, channel_id: str | None, text: str) -> None:
        """Queue a private note to a user (ephemeral in the channel, else a DM)."""
        self._queue("escalation.notify", {"user": user_id, "channel": channel_id, "text": text})

    def _load(self, job: JobContext) -> Escalation:
        with unit_of_work(self.sessions) as session:
            escalation = escalation_by_id(session, int(job.payload["escalation_id"]))
        if escalation is None:
            raise GiveUp(f"escalation {job.payload['escalation_id']} no longer exists")
        return escalation

    def _render(self, escalation: Escalation) -> dict[str, Any]:
        return escalation_message(escalation, self.desk.areas, footer=self.desk.footer())

    # -- Slack side -----------------------------------------------------------------------

    async def _key(self, job: JobContext) -> tuple[Escalation, str]:
        escalation = self._load(job)
        if not escalation.key:
            raise RetryLater("the escalation is not filed yet")
        return escalation, escalation.key

    async def _tracker_call(self, job: JobContext, call: Any) -> Any:
        try:
            return await call
        except TrackerOutage as exc:
            raise RetryLater(exc.user_message, retry_after=exc.retry_after) from exc
        except (TrackerRejected, NotFound) as exc:
            raise GiveUp(exc.user_message) from exc
