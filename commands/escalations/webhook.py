"""Jira webhook sink: status, assignee and comments made in Jira reach the Slack thread."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlmodel import Session

from commands.escalations.jobs import EscalationJobs
from commands.mrkdwn import escape, escape_clip
from integrations.tracker.jira_webhook import TrackerChange
from storage.escalations import Escalation, escalation_by_id, escalation_by_key, record_event
from storage.types import utcnow

log = logging.getLogger("opsbot.escalations.webhook")
# `opsbot-<id>` as `Escalation.label` writes it; ASCII digits only (int() reads "²" too).
_CORRELATION_LABEL = re.compile(r"^opsbot-(?P<id>[0-9]{1,9})$")


@dataclass
class JiraWebhookSink:
    """Apply one verified Jira webhook delivery to the escalation it concerns."""

    jobs: EscalationJobs

    async def __call__(self, change: TrackerChange) -> None:
        """Mirror the change on a worker thread; its Slack notes are queued in the same
        transaction, so a change is never kept without its notes (nor the reverse)."""
        await self.jobs.desk.run(
            self.jobs.sessions, lambda session: apply_webhook(session, change, self.jobs)
        )


def apply_webhook(session: Session, change: TrackerChange, jobs: EscalationJobs) -> None:
    """Apply the changelog and comment of one delivery; older ones never overwrite newer."""
    escalation = _find(session, change, jobs.desk.project)
    if escalation is None:
        return
    notes = _changelog_notes(session, escalation, change)
    changed = bool(notes)
    comment = _comment_note(session, escalation, change)
    if comment is not None:
        notes.append(comment)
    escalation_id = escalation.id or 0
    for text, key in notes:
        jobs.enqueue_thread(session, escalation_id, text, key)
    if changed:
        jobs.enqueue_refresh(session, escalation_id)


def _changelog_notes(
    session: Session, escalation: Escalation, change: TrackerChange
) -> list[tuple[str, str | None]]:
    notes: list[tuple[str, str | None]] = []
    for item in change.changes:
        if item.field == "status":
            note = _apply_status(session, escalation, change, item.to_string)
        elif item.field == "assignee":
            note = _apply_assignee(session, escalation, change)
        else:
            note = None
        if note:
            notes.append((note, None))
    return notes


def _comment_note(
    session: Session, escalation: Escalation, change: TrackerChange
) -> tuple[str, str | None] | None:
    comment = change.comment
    if comment is None or comment.ours:  # our own comments come back: skip them
        return None
    body, author = comment.body, comment.author
    record_event(session, escalation, kind="comment", to_value=body, actor=author, source="jira")
    text = f"💬 {escape(author)} in {escape(escalation.key or '')}: {escape_clip(body, 2500)}"
    return text, f"esc:{escalation.id}:jira-comment:{comment.id}"


def _find(session: Session, change: TrackerChange, project: str) -> Escalation | None:
    issue = change.issue
    if issue is None:
        return None
    escalation = escalation_by_key(session, issue.key)
    if escalation is not None:
        return escalation
    # A webhook can beat the filing job's answer (or follow a lost one): the correlation
    # label then names the escalation. Labels are free text anyone can put on any issue, so
    # the label is believed only for an issue of our project and an escalation still
    # waiting for its key; an escalation with a key is only ever found by that key.
    if not _in_project(issue.key, change.project_key, project):
        return None
    for label in issue.labels:
        match = _CORRELATION_LABEL.match(label)
        if match is None:
            continue
        found = escalation_by_id(session, int(match["id"]))
        if found is None or found.key is not None:
            return None
        found.key = issue.key
        return found
    return None


def _in_project(key: str, stated: str | None, project: str) -> bool:
    prefix, _, number = key.rpartition("-")
    same = prefix.upper() == project.upper() and number.isascii() and number.isdigit()
    return same and (stated is None or stated.upper() == project.upper())


def _apply_status(
    session: Session, escalation: Escalation, change: TrackerChange, status: str
) -> str | None:
    stamp, actor = change.at_ms, change.actor
    if stamp and stamp < escalation.status_at_ms:
        log.info("ignoring an older status for %s", escalation.key)
        return None
    if not status or status == escalation.status:
        escalation.status_at_ms = max(escalation.status_at_ms, stamp)
        return None
    category = change.category_of(status)
    before = escalation.status
    escalation.status, escalation.status_category = status, category
    escalation.status_at_ms, escalation.updated_at = stamp, utcnow()
    escalation.resolved_at = (escalation.resolved_at or utcnow()) if category == "done" else None
    session.add(escalation)
    record_event(
        session,
        escalation,
        kind="status",
        from_value=before,
        to_value=status,
        actor=actor,
        source="jira",
    )
    moved = f"from {escape(before)} to *{escape(status)}*"
    return f"🔄 {escape(actor)} moved {escalation.key} {moved} in Jira."


def _apply_assignee(session: Session, escalation: Escalation, change: TrackerChange) -> str | None:
    stamp, actor = change.at_ms, change.actor
    if stamp and stamp < escalation.assignee_at_ms:
        return None
    user = change.issue.assignee if change.issue else None
    before, before_account = escalation.assignee_name, escalation.assignee_account_id
    escalation.assignee_account_id = user.account_id if user else None
    escalation.assignee_name = user.display_name if user else None
    if escalation.assignee_account_id != before_account:
        escalation.assignee_slack_id = None  # the Slack match was for the previous assignee
    escalation.assignee_at_ms = stamp
    session.add(escalation)
    record_event(
        session,
        escalation,
        kind="assignee",
        from_value=before,
        to_value=user.display_name if user else None,
        actor=actor,
        source="jira",
    )
    who = escape(user.display_name) if user else "nobody"
    return f"👤 {escape(actor)} assigned {escalation.key} to {who} in Jira."
