"""Outbox handlers: post and refresh the Slack message, file and change the tracker issue."""

from __future__ import annotations

import logging

from sqlmodel import Session

from commands.escalations.jobs_changes import ChangeJobs
from commands.escalations.tracker_text import issue_draft
from commands.escalations.views import filed_note
from commands.mrkdwn import escape_clip
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import TrackerIssue, TrackerOutage, TrackerRejected
from storage.escalations import Escalation, escalation_by_id, record_event
from storage.tracker_items import FILED, FILING_FAILED
from storage.types import utcnow

log = logging.getLogger("opsbot.escalations")
OUTAGE_NOTICE = "Jira is unavailable; this escalation is saved and will be filed automatically."


class EscalationJobs(ChangeJobs):
    """The outbox kinds escalations use: Slack message, filing, and Slack-side changes."""

    def register(self) -> None:
        """Register every escalation job kind on the desk's outbox."""
        outbox = self.desk.outbox
        outbox.register("escalation.post", self.post, on_failed=self.failed)
        outbox.register("escalation.file", self.file, on_failed=self.filing_failed)
        outbox.register("escalation.refresh", self.refresh)
        outbox.register("escalation.thread", self.thread, on_failed=self.failed)
        outbox.register("escalation.notify", self.notify)
        outbox.register("escalation.comment", self.comment, on_failed=self.failed)
        outbox.register("escalation.transition", self.transition, on_failed=self.failed)
        outbox.register("escalation.assign", self.assign, on_failed=self.failed)
        outbox.register("escalation.resolve", self.resolve, on_failed=self.failed)

    async def post(self, job: JobContext) -> None:
        """Post the escalation to its channel once; its thread becomes the conversation."""
        escalation = await self._load(job)
        if escalation.message_ts or not escalation.channel_id:
            return
        rendered_key = escalation.key
        posted = await self.slack.chat_postMessage(
            channel=escalation.channel_id, **self._render(escalation)
        )

        def remember(session: Session) -> None:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            stored.channel_id, stored.message_ts = str(posted["channel"]), str(posted["ts"])
            session.add(stored)
            if stored.key != rendered_key or stored.filing_error != escalation.filing_error:
                self.enqueue_refresh(session, stored.id or 0)  # filed while the post flew

        await self.write(remember)

    async def refresh(self, job: JobContext) -> None:
        """Re-render the channel message from the stored state."""
        escalation = await self._load(job)
        if not escalation.message_ts or not escalation.channel_id:
            return  # the post job renders the current state when it runs
        await self.slack.chat_update(
            channel=escalation.channel_id, ts=escalation.message_ts, **self._render(escalation)
        )

    async def thread(self, job: JobContext) -> None:
        """Reply in the escalation's thread (waits for the channel message to exist)."""
        escalation = await self._load(job)
        if not escalation.message_ts or not escalation.channel_id:
            if not escalation.channel_id:
                return
            raise RetryLater("the escalation message is not posted yet")
        await self.slack.chat_postMessage(
            channel=escalation.channel_id,
            thread_ts=escalation.message_ts,
            text=str(job.payload["text"]),
        )

    async def notify(self, job: JobContext) -> None:
        """Tell one user privately: ephemeral where they were, else by DM."""
        user, channel, text = job.payload["user"], job.payload.get("channel"), job.payload["text"]
        if channel:
            try:
                await self.slack.chat_postEphemeral(channel=channel, user=user, text=text)
                return
            except Exception as exc:  # not in the channel, channel gone: the DM still works
                log.info("ephemeral note to %s failed (%s); sending a DM", user, exc)
        await self.slack.chat_postMessage(channel=user, text=text)

    async def failed(self, job: JobContext, error: str) -> None:
        """Tell the requester a change could not be made."""
        who = job.payload.get("user")
        if who:
            await self.queue_notify(
                user_id=str(who),
                channel_id=job.payload.get("channel"),
                text=f"⚠️ I could not do that: {escape_clip(error, 500)}",
            )

    # -- tracker side ---------------------------------------------------------------------

    async def file(self, job: JobContext) -> None:
        """Create the issue (once: the tracker looks the correlation label up first)."""
        escalation = await self._load(job)
        if escalation.filing_state == FILED:
            return
        # A key already learnt from a webhook still goes through create_issue: it finds the
        # issue by its label and finishes the filing without creating another.
        try:
            reporter_account = await self._reporter_account(escalation)
            issue = await self.desk.tracker.create_issue(
                issue_draft(escalation, self.desk, reporter_account)
            )
        except TrackerOutage as exc:
            if job.attempt == 1:
                error = exc.user_message
                await self.write(lambda session: self._mark_waiting(session, escalation, error))
            raise RetryLater(exc.user_message, retry_after=exc.retry_after) from exc
        except TrackerRejected as exc:
            raise GiveUp(exc.user_message) from exc
        await self.write(lambda session: self._filed(session, escalation, issue, job.attempt))

    def _filed(
        self, session: Session, escalation: Escalation, issue: TrackerIssue, attempt: int
    ) -> None:
        stored = escalation_by_id(session, escalation.id or 0)
        if stored is None:
            return
        stored.key, stored.url, stored.filing_state = issue.key, issue.url, FILED
        stored.status, stored.status_category = issue.status, issue.status_category
        stored.filing_error, stored.updated_at = None, utcnow()
        session.add(stored)
        record_event(session, stored, kind="filed", to_value=issue.key, source="opsbot")
        self.enqueue_refresh(session, stored.id or 0)
        note = filed_note(key=issue.key, url=issue.url)
        self.enqueue_thread(session, stored.id or 0, note, key=f"esc:{stored.id}:filed-note")
        if attempt > 1:
            self.enqueue_notify(
                session,
                user_id=stored.reporter_id,
                channel_id=stored.origin_channel_id,
                text=f"✅ Jira is back: escalation #{stored.id} is filed as {issue.key}.",
            )

    def _mark_waiting(self, session: Session, escalation: Escalation, error: str) -> None:
        stored = escalation_by_id(session, escalation.id or 0)
        if stored is not None:
            stored.filing_error = error[:500]
            session.add(stored)
        self.enqueue_notify(
            session,
            user_id=escalation.reporter_id,
            channel_id=escalation.origin_channel_id,
            text=f"⏳ {OUTAGE_NOTICE} (#{escalation.id}: {escape_clip(escalation.title, 80)})",
        )
        self.enqueue_refresh(session, escalation.id or 0)

    async def _reporter_account(self, escalation: Escalation) -> str | None:
        if not self.desk.jira:
            return None
        email = await self.directory.user_email(escalation.reporter_id)
        if not email:
            return None
        user = await self.desk.tracker.find_user_by_email(email)
        return user.account_id if user else None

    async def filing_failed(self, job: JobContext, error: str) -> None:
        """Record that filing was given up and tell the lead; `opsbot outbox retry` replays it."""
        escalation = await self._load(job)
        await self.write(lambda session: self._filing_failed(session, escalation, error))

    def _filing_failed(self, session: Session, escalation: Escalation, error: str) -> None:
        stored = escalation_by_id(session, escalation.id or 0)
        if stored is not None:
            stored.filing_state, stored.filing_error = FILING_FAILED, error[:500]
            session.add(stored)
        self.enqueue_refresh(session, escalation.id or 0)
        self.enqueue_notify(
            session,
            user_id=escalation.reporter_id,
            channel_id=escalation.origin_channel_id,
            text=(
                f"⚠️ Escalation #{escalation.id} could not be filed: {escape_clip(error, 300)}. "
                "It is saved; an admin can replay it with `opsbot outbox retry`."
            ),
        )
