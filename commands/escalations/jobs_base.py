"""What every escalation outbox handler shares: the desk, sessions, Slack, and queueing."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from commands.escalations.service import EscalationDesk
from commands.escalations.views import escalation_message
from integrations.outbox import GiveUp, JobContext, RetryLater
from storage.engine import SessionFactory, in_worker
from storage.escalations import Escalation, escalation_by_id

log = logging.getLogger("opsbot.escalations")
T = TypeVar("T")


@dataclass
class JobsBase:
    """The desk, sessions, Slack client and directory the escalation jobs are bound to."""

    desk: EscalationDesk
    sessions: SessionFactory
    slack: Any  # the instrumented AsyncWebClient
    directory: Any  # SlackDirectory

    # -- queueing: in the caller's unit of work, or one of its own on a worker thread --------

    def enqueue(
        self, session: Session, kind: str, payload: dict[str, Any], key: str | None = None
    ) -> None:
        """Queue one escalation job in the caller's unit of work (wake the outbox after)."""
        self.desk.outbox.enqueue(
            session, kind=kind, payload=payload, key=key or f"{kind}:{uuid.uuid4().hex}"
        )

    def enqueue_refresh(self, session: Session, escalation_id: int) -> None:
        """Queue a chat.update of the escalation's message."""
        self.enqueue(session, "escalation.refresh", {"escalation_id": escalation_id})

    def enqueue_thread(
        self, session: Session, escalation_id: int, text: str, key: str | None = None
    ) -> None:
        """Queue a reply in the escalation's thread."""
        self.enqueue(
            session, "escalation.thread", {"escalation_id": escalation_id, "text": text}, key
        )

    def enqueue_notify(
        self, session: Session, *, user_id: str, channel_id: str | None, text: str
    ) -> None:
        """Queue a private note to a user (ephemeral in the channel, else a DM)."""
        payload = {"user": user_id, "channel": channel_id, "text": text}
        self.enqueue(session, "escalation.notify", payload)

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in its own unit of work on a worker thread, then wake the outbox."""
        return await self.desk.run(self.sessions, work)

    async def queue_refresh(self, escalation_id: int) -> None:
        """Queue a chat.update of the escalation's message (its own transaction)."""
        await self.write(lambda session: self.enqueue_refresh(session, escalation_id))

    async def queue_notify(self, *, user_id: str, channel_id: str | None, text: str) -> None:
        """Queue a private note to a user (its own transaction)."""
        await self.write(
            lambda session: self.enqueue_notify(
                session, user_id=user_id, channel_id=channel_id, text=text
            )
        )

    async def _load(self, job: JobContext) -> Escalation:
        escalation_id = int(job.payload["escalation_id"])
        escalation = await in_worker(
            self.sessions, lambda session: escalation_by_id(session, escalation_id)
        )
        if escalation is None:
            raise GiveUp(f"escalation {job.payload['escalation_id']} no longer exists")
        return escalation

    def _render(self, escalation: Escalation) -> dict[str, Any]:
        return escalation_message(escalation, self.desk.areas, footer=self.desk.footer())

    # -- Slack side -----------------------------------------------------------------------

    async def _key(self, job: JobContext) -> tuple[Escalation, str]:
        escalation = await self._load(job)
        if not escalation.key:
            raise RetryLater("the escalation is not filed yet")
        return escalation, escalation.key
