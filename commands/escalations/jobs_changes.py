"""Outbox handlers for changes made from Slack: comment, status, assign, resolve."""

from __future__ import annotations

from sqlmodel import Session

from commands.escalations.jobs_base import JobsBase
from commands.escalations.service import RESOLVE_INSTEAD
from commands.mrkdwn import escape, escape_clip, user_mention
from integrations.errors import OpsbotError
from integrations.outbox import GiveUp, JobContext
from integrations.tracker.base import TrackerRejected, pick_transition, resolving_transition
from integrations.tracker.filing import tracker_call
from storage.escalations import Escalation, escalation_by_id, record_event
from storage.types import utcnow


class ChangeJobs(JobsBase):
    """Apply Slack-side changes to the tracker issue, then mirror them locally."""

    async def comment(self, job: JobContext) -> None:
        """Add a Slack update to the issue as a (marked) comment."""
        escalation, key = await self._key(job)
        author = str(job.payload.get("author") or "someone")
        text = str(job.payload["text"])
        await tracker_call(
            self.desk.tracker.add_comment(key, f"{author} (Slack): {text}", ref=f"job-{job.id}"),
        )
        who = user_mention(job.payload.get("user"), author)
        note = f"📝 {who} added to {escape(key)}: {escape_clip(text, 2000)}"

        def record(session: Session) -> None:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is not None:
                record_event(session, stored, kind="comment", to_value=text, actor=author)
                self.enqueue_thread(session, stored.id or 0, note)

        await self.write(record)

    async def transition(self, job: JobContext) -> None:
        """Move the issue to the named status and mirror it locally."""
        escalation, key = await self._key(job)
        wanted = str(job.payload["status"])
        if job.attempt > 1:
            # An earlier attempt may have moved the issue and lost the answer; moving it
            # again would be refused (no transition to where it already is).
            issue = await tracker_call(self.desk.tracker.get_issue(key))
            if issue.status.casefold() == wanted.strip().casefold():
                await self._set_status(escalation, issue.status, issue.status_category, job)
                return
        available = await tracker_call(self.desk.tracker.transitions(key))
        try:
            chosen = pick_transition(available, wanted)
        except TrackerRejected as exc:
            raise GiveUp(exc.user_message) from exc
        if chosen.to_category == "done":
            # Whatever the workflow calls it, a move to done is a resolve: the reporter,
            # assignee or an admin, with a root cause (checked again here, where the
            # tracker's own category is known).
            raise GiveUp(RESOLVE_INSTEAD)
        chosen = await tracker_call(self.desk.tracker.transition(key, chosen.id))
        await self._set_status(escalation, chosen.to_status, chosen.to_category, job)

    async def _set_status(
        self, escalation: Escalation, status: str, category: str, job: JobContext
    ) -> None:
        await self.write(
            lambda session: self._store_status(session, escalation, status, category, job)
        )

    def _store_status(
        self,
        session: Session,
        escalation: Escalation,
        status: str,
        category: str,
        job: JobContext,
    ) -> None:
        actor = str(job.payload.get("author") or "someone")
        root_cause, kind = job.payload.get("root_cause"), job.payload.get("root_cause_kind")
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
            stored.root_cause = str(root_cause)
            stored.root_cause_kind = str(kind) if kind else None
        session.add(stored)
        record_event(
            session, stored, kind="status", from_value=before, to_value=status, actor=actor
        )
        self.enqueue_refresh(session, stored.id or 0)
        who = user_mention(job.payload.get("user"), actor)
        moved = f"🔄 {who} moved {escape(stored.key or '')} to *{escape(status)}*."
        self.enqueue_thread(session, stored.id or 0, moved)

    async def assign(self, job: JobContext) -> None:
        """Assign the issue to the Slack user's tracker account (matched by e-mail)."""
        escalation, key = await self._key(job)
        slack_user = str(job.payload["assignee"])
        name = await self.directory.display_name(slack_user)
        account: str | None = slack_user
        if self.desk.jira:
            email = await self.directory.user_email(slack_user)
            found = (
                await tracker_call(self.desk.tracker.find_user_by_email(email)) if email else None
            )
            if found is None:
                raise GiveUp(f"{name} has no Jira account I can match by e-mail.")
            account, name = found.account_id, found.display_name
        await tracker_call(self.desk.tracker.assign(key, account))
        note = f"👤 {escape(key)} is assigned to {user_mention(slack_user, name)}."

        def record(session: Session) -> None:
            stored = escalation_by_id(session, escalation.id or 0)
            if stored is None:
                return
            before = stored.assignee_name
            stored.assignee_account_id, stored.assignee_name = account, name
            stored.assignee_slack_id = slack_user
            stored.assignee_at_ms = max(stored.assignee_at_ms, int(utcnow().timestamp() * 1000))
            session.add(stored)
            record_event(session, stored, kind="assignee", from_value=before, to_value=name)
            self.enqueue_refresh(session, stored.id or 0)
            self.enqueue_thread(session, stored.id or 0, note)

        await self.write(record)

    async def resolve(self, job: JobContext) -> None:
        """Resolve the issue with its root cause (field when configured, else a comment)."""
        escalation, key = await self._key(job)
        root_cause = str(job.payload["root_cause"])
        tracker = self.desk.tracker
        field = self.desk.root_cause_field
        issue = await tracker_call(tracker.get_issue(key))
        status, category = issue.status, issue.status_category
        if category != "done":  # a retry after a half-done attempt skips the transition
            available = await tracker_call(tracker.transitions(key))
            try:
                chosen = resolving_transition(available)
            except OpsbotError as exc:
                raise GiveUp(exc.user_message) from exc
            fields = {field: root_cause} if field else None
            await tracker_call(tracker.transition(key, chosen.id, fields=fields))
            status, category = chosen.to_status, chosen.to_category
        if not field:
            await tracker_call(
                tracker.add_comment(key, f"Root cause: {root_cause}", ref=f"job-{job.id}")
            )
        await self._set_status(escalation, status, category, job)
