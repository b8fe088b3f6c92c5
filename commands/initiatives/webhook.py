"""Jira webhook sink: epics and their stories keep initiatives and their threads in step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import queue_reply
from commands.initiatives.views import progress_text
from commands.mrkdwn import escape, escape_clip
from integrations.tracker.base import BOT_COMMENT_MARK, TrackerIssue
from storage.engine import in_worker
from storage.initiatives import (
    Initiative,
    add_note,
    child_by_key,
    initiative_by_key,
    update_children,
)

_CATEGORY_BY_NAME = {
    "to do": "new",
    "open": "new",
    "backlog": "new",
    "in progress": "indeterminate",
    "done": "done",
    "closed": "done",
    "resolved": "done",
}


def _status(issue: dict[str, Any]) -> tuple[str, str] | None:
    """Return the status and its category; a status we cannot place is not taken as done."""
    status = (issue.get("fields") or {}).get("status") or {}
    name = status.get("name")
    if not name:
        return None
    category = (status.get("statusCategory") or {}).get("key")
    if category not in ("new", "indeterminate", "done"):
        category = _CATEGORY_BY_NAME.get(str(name).strip().lower(), "indeterminate")
    return str(name), str(category)


def _stamp(payload: dict[str, Any]) -> int:
    # The endpoint refuses a non-integer timestamp; a missing one sorts as oldest.
    raw = payload.get("timestamp")
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


@dataclass
class InitiativeWebhookSink:
    """Apply one verified Jira webhook body to the initiative (or story) it concerns."""

    desk: PlanningDesk

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Mirror status, progress and comments; ignore issues that are not ours."""
        issue = payload.get("issue") or {}
        key = str(issue.get("key") or "")
        if not key:
            return
        await in_worker(self.desk.sessions, lambda session: self._apply(session, key, payload))
        self.desk.outbox.wake()

    def _apply(self, session: Session, key: str, payload: dict[str, Any]) -> None:
        issue = payload.get("issue") or {}
        initiative = initiative_by_key(session, key)
        if initiative is not None:
            changed = self._apply_epic(session, initiative, issue, payload)
        else:
            initiative = self._apply_child(session, issue, payload)
            changed = initiative is not None
        if changed and initiative is not None:
            self.desk.outbox.enqueue(
                session,
                kind="initiative.refresh",
                payload={"initiative_id": initiative.id},
                key=f"init:{initiative.id}:refresh:{uuid.uuid4().hex}",
            )

    def _apply_epic(
        self,
        session: Session,
        initiative: Initiative,
        issue: dict[str, Any],
        payload: dict[str, Any],
    ) -> bool:
        stamp = _stamp(payload)
        actor = str((payload.get("user") or {}).get("displayName") or "someone")
        changed = False
        items = (payload.get("changelog") or {}).get("items") or []
        moved = any(str(i.get("field") or "").lower() == "status" for i in items)
        status = _status(issue)
        if moved and status is not None and stamp >= initiative.status_at_ms:
            old = initiative.status
            initiative.status, initiative.status_category = status
            initiative.status_at_ms = stamp
            if old != initiative.status:
                add_note(
                    session, initiative, kind="status", text=f"{old} → {status[0]}", author=actor
                )
                queue_reply(
                    session,
                    self.desk,
                    initiative,
                    f"Status in Jira: {escape(old)} → *{escape(status[0])}* (by {escape(actor)})",
                )
                changed = True
        comment = payload.get("comment")
        event = str(payload.get("webhookEvent", "")) + str(payload.get("issue_event_type_name", ""))
        if isinstance(comment, dict) and "comment" in event:
            body = str(comment.get("body") or "")
            if BOT_COMMENT_MARK not in body:
                author = str((comment.get("author") or {}).get("displayName") or actor)
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
        self, session: Session, issue: dict[str, Any], payload: dict[str, Any]
    ) -> Initiative | None:
        fields = issue.get("fields") or {}
        parent_key = str((fields.get("parent") or {}).get("key") or "")
        initiative = initiative_by_key(session, parent_key) if parent_key else None
        if initiative is None:
            return None
        status = _status(issue)
        if status is None:
            return None
        key = str(issue["key"])
        before = child_by_key(session, key)
        old = before.status if before is not None else None
        stamp = _stamp(payload)
        if before is not None and stamp < before.status_at_ms:
            return None  # an older state delivered late: progress never goes back for it
        story = TrackerIssue(
            key=key,
            summary=str(fields.get("summary") or ""),
            status=status[0],
            status_category=status[1],
            url="",
        )
        update_children(session, initiative, [story], at_ms=stamp)
        if old == status[0]:
            return None
        add_note(session, initiative, kind="child", text=f"{key} → {status[0]}")
        queue_reply(
            session,
            self.desk,
            initiative,
            f"{escape(key)} → *{escape(status[0])}*. Progress: {progress_text(initiative)}",
        )
        return initiative
