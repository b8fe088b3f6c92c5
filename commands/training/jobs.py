"""Outbox jobs for rollouts: post the vendor's card, refresh it, thread notes, nudges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from commands.kb.service import article_diff
from commands.training.service import AskedQuestion, vendor_today
from commands.training.views import (
    nudge_text,
    question_for_owner,
    question_text,
    rollout_card,
)
from integrations.outbox import JobContext, OutboxWorker, RetryLater
from storage.engine import SessionFactory, in_worker
from storage.kb import KbArticle
from storage.training import TrainingQuestion, TrainingRollout, claim_nudge, list_rollouts

NUDGE_AT = time(9, 0)
POST, REFRESH, THREAD, NUDGE, ASKED = (
    "training.post",
    "training.refresh",
    "training.thread",
    "training.nudge",
    "training.question",
)


class TrainingJobs:
    """Every Slack call a rollout makes, run by the durable outbox."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        slack: Any,
        outbox: OutboxWorker,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.slack = slack
        self.outbox = outbox
        self.clock = clock

    def register(self) -> None:
        """Register the rollout job kinds on the outbox."""
        self.outbox.register(POST, self.post)
        self.outbox.register(REFRESH, self.refresh)
        self.outbox.register(THREAD, self.thread)
        self.outbox.register(NUDGE, self.thread)
        self.outbox.register(ASKED, self.tell_owner)

    def _card(
        self, rollout_id: int, session: Session
    ) -> tuple[TrainingRollout, dict[str, Any]] | None:
        rollout = session.get(TrainingRollout, rollout_id)
        article = session.get(KbArticle, rollout.article_id) if rollout else None
        if rollout is None or article is None:
            return None
        diff = article_diff(session=session, article=article, version=rollout.article_version)
        today, _ = vendor_today(session, rollout.vendor_slug, self.clock())
        return rollout, rollout_card(rollout, article, diff, today=today)

    async def post(self, job: JobContext) -> None:
        """Post the rollout card in the vendor's channel once."""
        found = await in_worker(self.sessions, partial(self._card, int(job.payload["rollout"])))
        if found is None or found[0].message_ts:
            return
        rollout, card = found
        posted = await self.slack.chat_postMessage(channel=rollout.channel_id, **card)

        def keep_ts(session: Session) -> bool:
            stored = session.get(TrainingRollout, rollout.id)
            if stored is None:
                return False
            stored.message_ts = str(posted["ts"])
            session.add(stored)
            return stored.state != rollout.state

        if await in_worker(self.sessions, keep_ts):  # answered while the post was in flight
            await self.queue(REFRESH, rollout.id or 0, key=f"{REFRESH}:{rollout.id}:{posted['ts']}")

    async def refresh(self, job: JobContext) -> None:
        """Re-render the card from the stored state."""
        found = await in_worker(self.sessions, partial(self._card, int(job.payload["rollout"])))
        if found is None:
            return
        rollout, card = found
        if not rollout.message_ts:
            raise RetryLater("the rollout card is not posted yet")
        await self.slack.chat_update(channel=rollout.channel_id, ts=rollout.message_ts, **card)

    async def thread(self, job: JobContext) -> None:
        """Reply under the card (a question note, a nudge)."""
        rollout_id = int(job.payload["rollout"])
        rollout = await in_worker(self.sessions, lambda s: s.get(TrainingRollout, rollout_id))
        if rollout is None:
            return
        if not rollout.message_ts:
            raise RetryLater("the rollout card is not posted yet")
        await self.slack.chat_postMessage(
            channel=rollout.channel_id, thread_ts=rollout.message_ts, text=str(job.payload["text"])
        )

    async def tell_owner(self, job: JobContext) -> None:
        """Bring a stored question to the article's owner by direct message."""
        found = await in_worker(self.sessions, partial(_question, int(job.payload["question"])))
        if found is None:
            return
        question, article = found
        owner = article.owner
        if "@" in owner:  # an e-mail owner: find their Slack account
            owner = str((await self.slack.users_lookupByEmail(email=owner))["user"]["id"])
        opened = await self.slack.conversations_open(users=owner)
        await self.slack.chat_postMessage(
            channel=opened["channel"]["id"], **question_for_owner(question, article)
        )

    async def queue(self, kind: str, rollout_id: int, *, key: str, text: str | None = None) -> None:
        """Enqueue one job in its own transaction (on a worker thread) and wake the worker."""
        await in_worker(
            self.sessions,
            lambda session: self.enqueue(session, kind, rollout_id, key=key, text=text),
        )
        self.outbox.wake()

    def enqueue(
        self, session: Session, kind: str, rollout_id: int, *, key: str, text: str | None = None
    ) -> None:
        """Enqueue one job in the caller's transaction."""
        payload: dict[str, Any] = {"rollout": rollout_id}
        if text is not None:
            payload["text"] = text
        self.outbox.enqueue(session, kind=kind, payload=payload, key=key)

    def question_jobs(self, session: Session, asked: AskedQuestion) -> None:
        """Queue the owner's direct message and the thread note for a new question."""
        question, rollout = asked.question, asked.rollout
        self.outbox.enqueue(
            session, kind=ASKED, payload={"question": question.id}, key=f"{ASKED}:{question.id}"
        )
        self.enqueue(
            session,
            THREAD,
            rollout.id or 0,
            key=f"{THREAD}:{rollout.id}:question:{question.id}",
            text=question_text(rollout, asked.article, question.asked_by),
        )

    async def send_nudges(self) -> int:
        """Queue one nudge a day per overdue rollout, from 09:00 in the vendor's time zone."""
        queued = await in_worker(self.sessions, partial(self._queue_nudges, self.clock()))
        if queued:
            self.outbox.wake()
        return queued

    def _queue_nudges(self, now: datetime, session: Session) -> int:
        queued = 0
        # Anyone's local day is at most 14 hours ahead of UTC.
        horizon = (now + timedelta(hours=14)).date()
        for rollout in list_rollouts(session, open_only=True):
            if rollout.due >= horizon or rollout.id is None:
                continue
            today, local = vendor_today(session, rollout.vendor_slug, now)
            if rollout.due >= today or local.time() < NUDGE_AT:
                continue
            if rollout.scheduled_for is not None and rollout.scheduled_for >= today:
                continue  # a training day is booked: no nagging until it passes
            article = session.get(KbArticle, rollout.article_id)
            if article is None:
                continue
            # The claim's unique key makes the nudge once a day across replicas.
            if not claim_nudge(session, rollout_id=rollout.id, on_day=today, now=now):
                continue
            self.enqueue(
                session,
                NUDGE,
                rollout.id,
                key=f"{NUDGE}:{rollout.id}:{today.isoformat()}",
                text=nudge_text(rollout, article),
            )
            queued += 1
        return queued


def _question(question_id: int, session: Session) -> tuple[TrainingQuestion, KbArticle] | None:
    question = session.get(TrainingQuestion, question_id)
    article = session.get(KbArticle, question.article_id) if question else None
    return (question, article) if question is not None and article is not None else None
