"""Outbox handlers: post and refresh the Slack message, file and change the tracker issue."""

from __future__ import annotations

import logging

from commands.escalations.jobs_changes import ChangeJobs
from commands.escalations.tracker_text import issue_draft
from commands.escalations.views import filed_note
from commands.mrkdwn import escape_clip
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import TrackerOutage, TrackerRejected
from storage.engine import unit_of_work
from storage.escalations import FILED, FILING_FAILED, Escalation, escalation_by_id, record_event
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
        escalation = self._load(job)
        if escalation.message_ts or not escalation.channel_id:
            return
        rendered_key = escalation.key
        posted = await self.slack.chat_postMessage(
            channel=escalation.channel_id, **self._render(escalation)
        )
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            stored.channel_id, stored.message_ts = str(posted["channel"]), str(posted["ts"])
            session.add(stored)
            stale = stored.key != rendered_key or stored.filing_error != escalation.filing_error
        if stale:  # filing finished while the post was in flight
            self.queue_refresh(escalation.id or 0)

    async def refresh(self, job: JobContext) -> None:
        """Re-render the channel message from the stored state."""
        escalation = self._load(job)
        if not escalation.message_ts or not escalation.channel_id:
            return  # the post job renders the current state when it runs
        await self.slack.chat_update(
            channel=escalation.channel_id, ts=escalation.message_ts, **self._render(escalation)
        )

    async def thread(self, job: JobContext) -> None:
        """Reply in the escalation's thread (waits for the channel message to exist)."""
        escalation = self._load(job)
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
            self.queue_notify(
                user_id=str(who),
                channel_id=job.payload.get("channel"),
                text=f"⚠️ I could not do that: {escape_clip(error, 500)}",
            )

    # -- tracker side ---------------------------------------------------------------------

    async def file(self, job: JobContext) -> None:
        """Create the issue (once: the tracker looks the correlation label up first)."""
        escalation = self._load(job)
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
                self._mark_waiting(escalation, exc.user_message)
            raise RetryLater(exc.user_message, retry_after=exc.retry_after) from exc
        except TrackerRejected as exc:
            raise GiveUp(exc.user_message) from exc
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            stored.key, stored.url, stored.filing_state = issue.key, issue.url, FILED
            stored.status, stored.status_category = issue.status, issue.status_category
            stored.filing_error, stored.updated_at = None, utcnow()
            session.add(stored)
            record_event(session, stored, kind="filed", to_value=issue.key, source="opsbot")
        self.queue_refresh(escalation.id or 0)
        self.queue_thread(
            escalation.id or 0,
            filed_note(key=issue.key, url=issue.url),
            key=f"esc:{escalation.id}:filed-note",
        )
        if job.attempt > 1:
            self.queue_notify(
                user_id=escalation.reporter_id,
                channel_id=escalation.origin_channel_id,
                text=f"✅ Jira is back: escalation #{escalation.id} is filed as {issue.key}.",
            )

    def _mark_waiting(self, escalation: Escalation, error: str) -> None:
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is not None:
                stored.filing_error = error[:500]
                session.add(stored)
        self.queue_notify(
            user_id=escalation.reporter_id,
            channel_id=escalation.origin_channel_id,
            text=f"⏳ {OUTAGE_NOTICE} (#{escalation.id}: {escape_clip(escalation.title, 80)})",
        )
        self.queue_refresh(escalation.id or 0)

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
        escalation = self._load(job)
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is not None:
                stored.filing_state, stored.filing_error = FILING_FAILED, error[:500]
                session.add(stored)
        self.queue_refresh(escalation.id or 0)
        self.queue_notify(
            user_id=escalation.reporter_id,
            channel_id=escalation.origin_channel_id,
            text=(
                f"⚠️ Escalation #{escalation.id} could not be filed: {escape_clip(error, 300)}. "
                "It is saved; an admin can replay it with `opsbot outbox retry`."
            ),
        )
