"""Outbox handlers: post and refresh the Slack message, file and change the tracker issue."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from commands.escalations.service import EscalationDesk
from commands.escalations.tracker_text import issue_draft
from commands.escalations.views import escalation_message
from commands.mrkdwn import clip, escape
from integrations.errors import NotFound, OpsbotError
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import TrackerOutage, TrackerRejected, resolving_transition
from storage.engine import SessionFactory, unit_of_work
from storage.escalations import FILED, FILING_FAILED, Escalation, escalation_by_id, record_event
from storage.types import utcnow

log = logging.getLogger("opsbot.escalations")
OUTAGE_NOTICE = "Jira is unavailable; this escalation is saved and will be filed automatically."


@dataclass
class EscalationJobs:
    """The outbox kinds escalations use, bound to the desk, sessions, Slack and directory."""

    desk: EscalationDesk
    sessions: SessionFactory
    slack: Any  # the instrumented AsyncWebClient
    directory: Any  # SlackDirectory

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

    # -- queueing helpers (each commits at once: no await holds a write open) ---------------

    def _queue(self, kind: str, payload: dict[str, Any], key: str | None = None) -> None:
        with unit_of_work(self.sessions) as session:
            self.desk.outbox.enqueue(
                session, kind=kind, payload=payload, key=key or f"{kind}:{uuid.uuid4().hex}"
            )
        self.desk.outbox.wake()

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
                text=f"⚠️ I could not do that: {escape(clip(error, 500))}",
            )

    # -- tracker side ---------------------------------------------------------------------

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

    async def file(self, job: JobContext) -> None:
        """Create the issue (once: the tracker looks the correlation label up first)."""
        escalation = self._load(job)
        if escalation.key:
            return
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
            f"Filed as <{issue.url}|{issue.key}>.",
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
            text=f"⏳ {OUTAGE_NOTICE} (#{escalation.id}: {escape(clip(escalation.title, 80))})",
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
                f"⚠️ Escalation #{escalation.id} could not be filed: {escape(clip(error, 300))}. "
                "It is saved; an admin can replay it with `opsbot outbox retry`."
            ),
        )

    async def comment(self, job: JobContext) -> None:
        """Add a Slack update to the issue as a (marked) comment."""
        escalation, key = await self._key(job)
        author = str(job.payload.get("author") or "someone")
        text = str(job.payload["text"])
        await self._tracker_call(
            job, self.desk.tracker.add_comment(key, f"{author} (Slack): {text}")
        )
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is not None:
                record_event(session, stored, kind="comment", to_value=text, actor=author)
        self.queue_thread(
            escalation.id or 0, f"📝 {escape(author)} added to {key}: {escape(clip(text, 2000))}"
        )

    async def transition(self, job: JobContext) -> None:
        """Move the issue to the named status and mirror it locally."""
        escalation, key = await self._key(job)
        chosen = await self._tracker_call(
            job, self.desk.tracker.transition(key, str(job.payload["status"]))
        )
        actor = str(job.payload.get("author") or "someone")
        self._set_status(escalation, chosen.to_status, chosen.to_category, actor)

    def _set_status(
        self,
        escalation: Escalation,
        status: str,
        category: str,
        actor: str,
        root_cause: str | None = None,
    ) -> None:
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            before = stored.status
            stored.status, stored.status_category = status, category
            stored.status_at_ms = max(stored.status_at_ms, int(utcnow().timestamp() * 1000))
            stored.updated_at = utcnow()
            if category == "done":
                stored.resolved_at = stored.resolved_at or utcnow()
            if root_cause:
                stored.root_cause = root_cause
            session.add(stored)
            record_event(
                session, stored, kind="status", from_value=before, to_value=status, actor=actor
            )
        self.queue_refresh(escalation.id or 0)
        self.queue_thread(
            escalation.id or 0, f"🔄 {escape(actor)} moved {escalation.key} to *{escape(status)}*."
        )

    async def assign(self, job: JobContext) -> None:
        """Assign the issue to the Slack user's tracker account (matched by e-mail)."""
        escalation, key = await self._key(job)
        slack_user = str(job.payload["assignee"])
        name = await self.directory.display_name(slack_user)
        account: str | None = slack_user
        if self.desk.jira:
            email = await self.directory.user_email(slack_user)
            found = (
                await self._tracker_call(job, self.desk.tracker.find_user_by_email(email))
                if email
                else None
            )
            if found is None:
                raise GiveUp(f"{name} has no Jira account I can match by e-mail.")
            account, name = found.account_id, found.display_name
        await self._tracker_call(job, self.desk.tracker.assign(key, account))
        with unit_of_work(self.sessions) as session:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            before = stored.assignee_name
            stored.assignee_account_id, stored.assignee_name = account, name
            stored.assignee_slack_id = slack_user
            stored.assignee_at_ms = max(stored.assignee_at_ms, int(utcnow().timestamp() * 1000))
            session.add(stored)
            record_event(session, stored, kind="assignee", from_value=before, to_value=name)
        self.queue_refresh(escalation.id or 0)
        self.queue_thread(escalation.id or 0, f"👤 {key} is assigned to {escape(name)}.")

    async def resolve(self, job: JobContext) -> None:
        """Resolve the issue with its root cause (field when configured, else a comment)."""
        escalation, key = await self._key(job)
        root_cause = str(job.payload["root_cause"])
        tracker = self.desk.tracker
        field = self.desk.root_cause_field
        issue = await self._tracker_call(job, tracker.get_issue(key))
        status, category = issue.status, issue.status_category
        if category != "done":  # a retry after a half-done attempt skips the transition
            available = await self._tracker_call(job, tracker.transitions(key))
            try:
                chosen = resolving_transition(available)
            except OpsbotError as exc:
                raise GiveUp(exc.user_message) from exc
            fields = {field: root_cause} if field else None
            await self._tracker_call(job, tracker.transition(key, chosen.id, fields=fields))
            status, category = chosen.to_status, chosen.to_category
        if not field:
            await self._tracker_call(job, tracker.add_comment(key, f"Root cause: {root_cause}"))
        actor = str(job.payload.get("author") or "someone")
        self._set_status(escalation, status, category, actor, root_cause)
