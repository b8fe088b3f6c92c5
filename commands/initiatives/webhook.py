"""Jira webhook sink: epics and their stories keep initiatives and their threads in step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import queue_reply
from commands.initiatives.views import progress_text
from commands.mrkdwn import escape, escape_clip
from integrations.tracker.base import TrackerIssue
from integrations.tracker.jira_webhook import TrackerChange
from storage.engine import in_worker
from storage.initiatives import (
    Initiative,
    add_note,
    child_by_key,
    initiative_by_key,
    update_children,
)


@dataclass
class InitiativeWebhookSink:
    """Apply one verified Jira webhook delivery to the initiative (or story) it concerns."""

    desk: PlanningDesk

    async def __call__(self, change: TrackerChange) -> None:
        """Mirror status, progress and comments; ignore issues that are not ours."""
        issue = change.issue
        if issue is None:
            return
        await in_worker(self.desk.sessions, lambda session: self._apply(session, issue, change))
        self.desk.outbox.wake()

    def _apply(self, session: Session, issue: TrackerIssue, change: TrackerChange) -> None:
        initiative = initiative_by_key(session, issue.key)
        if initiative is not None:
            changed = self._apply_epic(session, initiative, issue, change)
        else:
            initiative = self._apply_child(session, issue, change)
            changed = initiative is not None
        if changed and initiative is not None:
            self.desk.outbox.enqueue(
                session,
                kind="initiative.refresh",
                payload={"initiative_id": initiative.id},
                key=f"init:{initiative.id}:refresh:{uuid.uuid4().hex}",
            )

    def _apply_epic(
        self, session: Session, initiative: Initiative, issue: TrackerIssue, change: TrackerChange
    ) -> bool:
        actor, changed = change.actor, False
        moved = bool(change.changed("status")) and bool(issue.status)
        if moved and change.at_ms >= initiative.status_at_ms:
            old = initiative.status
            initiative.status, initiative.status_category = issue.status, issue.status_category
            initiative.status_at_ms = change.at_ms
            if old != initiative.status:
                add_note(
                    session, initiative, kind="status", text=f"{old} → {issue.status}", author=actor
                )
                moved_to = f"{escape(old)} → *{escape(issue.status)}*"
                queue_reply(
                    session,
                    self.desk,
                    initiative,
                    f"Status in Jira: {moved_to} (by {escape(actor)})",
                )
                changed = True
        comment = change.comment
        if comment is not None and not comment.ours:
            body, author = comment.body, comment.author
            add_note(session, initiative, kind="jira", text=body[:2000], author=author)
            queue_reply(
                session,
                self.desk,
                initiative,
                f"💬 {escape(author)} in Jira:\n{escape_clip(body, 2500)}",
            )
        session.add(initiative)
        return changed

    def _apply_child(
        self, session: Session, issue: TrackerIssue, change: TrackerChange
    ) -> Initiative | None:
        initiative = initiative_by_key(session, issue.parent_key) if issue.parent_key else None
        if initiative is None or not issue.status:
            return None
        before = child_by_key(session, issue.key)
        old = before.status if before is not None else None
        if before is not None and change.at_ms < before.status_at_ms:
            return None  # an older state delivered late: progress never goes back for it
        update_children(session, initiative, [issue], at_ms=change.at_ms)
        if old == issue.status:
            return None
        add_note(session, initiative, kind="child", text=f"{issue.key} → {issue.status}")
        moved_to = f"{escape(issue.key)} → *{escape(issue.status)}*"
        queue_reply(
            session, self.desk, initiative, f"{moved_to}. Progress: {progress_text(initiative)}"
        )
        return initiative
