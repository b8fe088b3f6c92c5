"""Jira webhook sink: status, assignee and comments made in Jira reach the Slack thread."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from commands.escalations.jobs import EscalationJobs
from commands.mrkdwn import escape, escape_clip
from integrations.tracker.base import BOT_COMMENT_MARK, user_from_raw
from storage.escalations import Escalation, escalation_by_id, escalation_by_key, record_event
from storage.types import utcnow

log = logging.getLogger("opsbot.escalations.webhook")
# `opsbot-<id>` as `Escalation.label` writes it; ASCII digits only (int() reads "²" too).
_CORRELATION_LABEL = re.compile(r"^opsbot-(?P<id>[0-9]{1,9})$")
_CATEGORY_BY_NAME = {
    "to do": "new",
    "open": "new",
    "backlog": "new",
    "in progress": "indeterminate",
    "done": "done",
    "resolved": "done",
    "closed": "done",
}


@dataclass
class JiraWebhookSink:
    """Apply one verified Jira webhook body to the escalation it concerns."""

    jobs: EscalationJobs

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Mirror the change on a worker thread; its Slack notes are queued in the same
        transaction, so a change is never kept without its notes (nor the reverse)."""
        await self.jobs.desk.run(
            self.jobs.sessions, lambda session: apply_webhook(session, payload, self.jobs)
        )


def apply_webhook(session: Session, payload: dict[str, Any], jobs: EscalationJobs) -> None:
    """Apply the changelog and comment of one delivery; older ones never overwrite newer."""
    issue = payload.get("issue") or {}
    actor = str((payload.get("user") or {}).get("displayName") or "someone")
    escalation = _find(session, issue, jobs.desk.project)
    if escalation is None:
        return
    notes = _changelog_notes(session, escalation, payload, actor)
    changed = bool(notes)
    comment = _comment_note(session, escalation, payload, actor)
    if comment is not None:
        notes.append(comment)
    escalation_id = escalation.id or 0
    for text, key in notes:
        jobs.enqueue(
            session, "escalation.thread", {"escalation_id": escalation_id, "text": text}, key
        )
    if changed:
        jobs.enqueue(session, "escalation.refresh", {"escalation_id": escalation_id})


def _changelog_notes(
    session: Session, escalation: Escalation, payload: dict[str, Any], actor: str
) -> list[tuple[str, str | None]]:
    issue, stamp = payload.get("issue") or {}, _stamp(payload)
    notes: list[tuple[str, str | None]] = []
    for item in (payload.get("changelog") or {}).get("items") or []:
        field = str(item.get("field") or item.get("fieldId") or "").lower()
        if field == "status":
            note = _apply_status(session, escalation, issue, item, stamp, actor)
        elif field == "assignee":
            note = _apply_assignee(session, escalation, issue, stamp, actor)
        else:
            note = None
        if note:
            notes.append((note, None))
    return notes


def _comment_note(
    session: Session, escalation: Escalation, payload: dict[str, Any], actor: str
) -> tuple[str, str | None] | None:
    comment = payload.get("comment")
    event = str(payload.get("webhookEvent", "")) + str(payload.get("issue_event_type_name", ""))
    if not isinstance(comment, dict) or "comment" not in event:
        return None
    body = str(comment.get("body") or "")
    if BOT_COMMENT_MARK in body:  # our own comments come back: skip them
        return None
    author = str((comment.get("author") or {}).get("displayName") or actor)
    record_event(session, escalation, kind="comment", to_value=body, actor=author, source="jira")
    text = f"💬 {escape(author)} in {escape(escalation.key or '')}: {escape_clip(body, 2500)}"
    return text, f"esc:{escalation.id}:jira-comment:{comment.get('id')}"


def _find(session: Session, issue: dict[str, Any], project: str) -> Escalation | None:
    key = str(issue.get("key") or "")
    if not key:
        return None
    escalation = escalation_by_key(session, key)
    if escalation is not None:
        return escalation
    # A webhook can beat the filing job's answer (or follow a lost one): the correlation
    # label then names the escalation. Labels are free text anyone can put on any issue, so
    # the label is believed only for an issue of our project and an escalation still
    # waiting for its key; an escalation with a key is only ever found by that key.
    if not _in_project(issue, key, project):
        return None
    for label in (issue.get("fields") or {}).get("labels") or []:
        match = _CORRELATION_LABEL.match(str(label))
        if match is None:
            continue
        found = escalation_by_id(session, int(match["id"]))
        if found is None or found.key is not None:
            return None
        found.key = key
        return found
    return None


def _in_project(issue: dict[str, Any], key: str, project: str) -> bool:
    prefix, _, number = key.rpartition("-")
    stated = ((issue.get("fields") or {}).get("project") or {}).get("key")
    same = prefix.upper() == project.upper() and number.isascii() and number.isdigit()
    return same and (stated is None or str(stated).upper() == project.upper())


def _stamp(payload: dict[str, Any]) -> int:
    """Return the delivery's time in ms; the endpoint has refused non-integers already."""
    stamp = payload.get("timestamp")
    return stamp if isinstance(stamp, int) and not isinstance(stamp, bool) else 0


def _apply_status(
    session: Session,
    escalation: Escalation,
    issue: dict[str, Any],
    item: dict[str, Any],
    stamp: int,
    actor: str,
) -> str | None:
    if stamp and stamp < escalation.status_at_ms:
        log.info("ignoring an older status for %s", escalation.key)
        return None
    status = str(item.get("toString") or "")
    if not status or status == escalation.status:
        escalation.status_at_ms = max(escalation.status_at_ms, stamp)
        return None
    snapshot = (issue.get("fields") or {}).get("status") or {}
    category = (
        str((snapshot.get("statusCategory") or {}).get("key"))
        if snapshot.get("name") == status and snapshot.get("statusCategory")
        else _CATEGORY_BY_NAME.get(status.lower(), "indeterminate")
    )
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


def _apply_assignee(
    session: Session, escalation: Escalation, issue: dict[str, Any], stamp: int, actor: str
) -> str | None:
    if stamp and stamp < escalation.assignee_at_ms:
        return None
    user = user_from_raw((issue.get("fields") or {}).get("assignee"))
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
