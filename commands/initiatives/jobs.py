"""Outbox jobs for initiatives: announce, file the epic, comment, move, link, add stories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import queue_reply
from commands.initiatives.views import initiative_message, progress_text, status_note
from commands.mrkdwn import escape_clip
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import IssueDraft, TrackerIssue, Transition
from integrations.tracker.filing import tracker_call
from integrations.tracker.wiki import wiki_escape
from storage.engine import in_worker
from storage.initiatives import (
    Initiative,
    add_note,
    initiative_by_id,
    update_children,
)
from storage.tracker_items import FILED, FILING_FAILED
from storage.types import utcnow


async def _load(desk: PlanningDesk, job: JobContext) -> Initiative:
    ident = int(job.payload["initiative_id"])
    initiative = await in_worker(desk.sessions, lambda session: initiative_by_id(session, ident))
    if initiative is None:
        raise GiveUp("initiative no longer exists")
    return initiative


def _row(session: Session, initiative: Initiative) -> Initiative:
    row = initiative_by_id(session, initiative.id or 0)
    if row is None:
        raise GiveUp("initiative no longer exists")
    return row


def epic_draft(desk: PlanningDesk, initiative: Initiative) -> IssueDraft:
    """Return the epic to file for an initiative."""
    # Typed in the Slack modal: wiki-escaped, so it shows as typed in Jira.
    lines = [wiki_escape(initiative.goal) if initiative.goal else "(no goal given)", ""]
    if initiative.owner_id:
        lines.append(f"Owner (Slack): {wiki_escape(initiative.owner_id)}")
    if initiative.target_date:
        lines.append(f"Target date: {initiative.target_date.isoformat()}")
    if initiative.stakeholders:
        lines.append("Stakeholders: " + wiki_escape(", ".join(initiative.stakeholders)))
    if initiative.vendors:
        lines.append("Vendors/areas: " + wiki_escape(", ".join(initiative.vendors)))
    custom = {"duedate": initiative.target_date.isoformat()} if initiative.target_date else {}
    return IssueDraft(
        project=desk.project,
        summary=initiative.title[:255],
        description="\n".join(lines),
        correlation_label=initiative.label,
        issue_type=desk.epic_type,
        labels=("opsbot-initiative",),
        custom_fields=custom,
    )


async def refresh_message(desk: PlanningDesk, initiative: Initiative) -> None:
    """Re-render the initiative's channel message, when it has one."""
    if initiative.channel_id and initiative.message_ts:
        await desk.slack.chat_update(
            channel=initiative.channel_id,
            ts=initiative.message_ts,
            **initiative_message(initiative, footer=desk.footer()),
        )


def _status_moved(
    session: Session, desk: PlanningDesk, initiative: Initiative, moved: Transition
) -> Initiative:
    row = _row(session, initiative)
    old = row.status
    row.status, row.status_category = moved.to_status, moved.to_category
    add_note(session, row, kind="status", text=f"{old} → {moved.to_status}")
    queue_reply(session, desk, row, status_note(old, moved.to_status))
    return row


def _story_recorded(
    session: Session,
    desk: PlanningDesk,
    initiative: Initiative,
    issue: TrackerIssue,
    *,
    at_ms: int | None = None,
) -> Initiative:
    row = _row(session, initiative)
    update_children(session, row, [issue], at_ms=at_ms)
    return row


@dataclass
class InitiativeJobs:
    """The initiative job handlers; each holds no session across a Slack or tracker call."""

    desk: PlanningDesk

    def register(self) -> None:
        """Register every initiative job kind on the desk's outbox."""
        kinds = ("refresh", "post", "file", "reply", "comment", "transition", "link", "child")
        for kind in (*kinds, "story_status"):
            self.desk.outbox.register(f"initiative.{kind}", getattr(self, kind))

    async def post(self, job: JobContext) -> None:
        """Announce the initiative in its channel."""
        desk = self.desk
        initiative = await _load(desk, job)
        if initiative.message_ts or not initiative.channel_id:
            return
        answer = await desk.slack.chat_postMessage(
            channel=initiative.channel_id, **initiative_message(initiative, footer=desk.footer())
        )

        def store(session: Session) -> Initiative:
            row = _row(session, initiative)
            row.message_ts = str(answer["ts"])
            _write_then_reread(session, row)
            if row.filing_state == FILED:
                queue_reply(session, desk, row, f"Epic filed: <{row.url}|{row.key}>")
            return row

        row = await in_worker(desk.sessions, store)
        desk.outbox.wake()
        if row.filing_state != initiative.filing_state:
            # Filed (or failed) while the announcement was on its way: show that now.
            await refresh_message(desk, row)

    async def file(self, job: JobContext) -> None:
        """File the epic; the channel message and thread say so."""
        desk = self.desk
        initiative = await _load(desk, job)
        if initiative.filing_state == FILED:
            return
        try:
            issue: TrackerIssue = await tracker_call(
                desk.tracker.create_issue(epic_draft(desk, initiative))
            )
        except GiveUp as exc:
            error = str(exc)
            await in_worker(desk.sessions, lambda s: _filing_failed(s, initiative, error))
            raise
        row = await in_worker(desk.sessions, lambda s: _filed(s, desk, initiative, issue))
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def reply(self, job: JobContext) -> None:
        """Post a reply in the initiative's thread."""
        initiative = await _load(self.desk, job)
        if not initiative.channel_id:
            return
        if not initiative.message_ts:
            raise RetryLater("the initiative message is not posted yet")
        await self.desk.slack.chat_postMessage(
            channel=initiative.channel_id,
            thread_ts=initiative.message_ts,
            text=str(job.payload["text"]),
        )

    async def comment(self, job: JobContext) -> None:
        """Comment on the epic."""
        initiative = await _load(self.desk, job)
        # The job id marks the comment, so a retry after a lost answer does not add it twice.
        await tracker_call(
            self.desk.tracker.add_comment(
                initiative.key or "", job.payload["text"], ref=f"job-{job.id}"
            )
        )

    async def transition(self, job: JobContext) -> None:
        """Move the epic in its workflow."""
        desk = self.desk
        initiative = await _load(desk, job)
        moved = await tracker_call(
            desk.tracker.transition(initiative.key or "", str(job.payload["status"]))
        )
        row = await in_worker(desk.sessions, lambda s: _status_moved(s, desk, initiative, moved))
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def story_status(self, job: JobContext) -> None:
        """Move one of the epic's stories; progress counts it at once."""
        desk = self.desk
        initiative = await _load(desk, job)
        story_key = str(job.payload["story_key"])
        moved = await tracker_call(desk.tracker.transition(story_key, str(job.payload["status"])))
        issue = await tracker_call(desk.tracker.get_issue(story_key))
        at_ms = int(utcnow().timestamp() * 1000)

        def record(session: Session) -> Initiative:
            row = _story_recorded(session, desk, initiative, issue, at_ms=at_ms)
            add_note(session, row, kind="child", text=f"{story_key} → {moved.to_status}")
            text = f"{story_key} → *{escape_clip(moved.to_status, 100)}*. Progress: "
            queue_reply(session, desk, row, text + progress_text(row))
            return row

        row = await in_worker(desk.sessions, record)
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def link(self, job: JobContext) -> None:
        """Link an escalation to the epic."""
        initiative = await _load(self.desk, job)
        await tracker_call(
            self.desk.tracker.link_issues(
                "Relates", str(job.payload["issue_key"]), initiative.key or ""
            )
        )

    async def child(self, job: JobContext) -> None:
        """File a story under the epic."""
        desk = self.desk
        initiative = await _load(desk, job)
        issue: TrackerIssue = await tracker_call(
            desk.tracker.create_issue(story_draft(desk, initiative, job))
        )

        def record(session: Session) -> Initiative:
            row = _story_recorded(session, desk, initiative, issue)
            by = job.payload.get("by")
            add_note(session, row, kind="child", text=f"{issue.key} {issue.summary}", author=by)
            added = f"➕ Story <{issue.url}|{issue.key}> added. Progress: {progress_text(row)}"
            queue_reply(session, desk, row, added)
            return row

        row = await in_worker(desk.sessions, record)
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def refresh(self, job: JobContext) -> None:
        """Re-render the channel message."""
        await refresh_message(self.desk, await _load(self.desk, job))


def story_draft(desk: PlanningDesk, initiative: Initiative, job: JobContext) -> IssueDraft:
    """Return the story `/initiative KEY child` files."""
    return IssueDraft(
        project=desk.project,
        summary=str(job.payload["summary"]),
        description=f"Part of initiative {initiative.key}: {initiative.title}",
        correlation_label=f"{initiative.label}-child-{job.id}",
        issue_type=desk.story_type,
        parent_key=initiative.key,
    )


def _filing_failed(session: Session, initiative: Initiative, error: str) -> None:
    row = _row(session, initiative)
    row.filing_state, row.filing_error = FILING_FAILED, error[:500]
    session.add(row)


def _filed(
    session: Session, desk: PlanningDesk, initiative: Initiative, issue: TrackerIssue
) -> Initiative:
    row = _row(session, initiative)
    row.key, row.url, row.filing_state = issue.key, issue.url, FILED
    row.status, row.status_category = issue.status, issue.status_category
    row.filing_error = None
    _write_then_reread(session, row)
    if row.message_ts:
        queue_reply(session, desk, row, f"Epic filed: <{issue.url}|{issue.key}>")
    return row


def _write_then_reread(session: Session, row: Initiative) -> None:
    """Write this job's columns, then read the row again inside the same transaction.

    The post and file jobs run concurrently and each must know whether the other finished
    (to say "Epic filed" and show the key in the post). Writing first takes the row's write
    lock, so of two such jobs the second always reads the first one's committed columns:
    one of them, never neither, sees both.
    """
    session.add(row)
    session.flush()
    session.refresh(row)
