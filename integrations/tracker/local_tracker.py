"""A tracker kept in opsbot's own database: same contract as Jira, for teams without it."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import Session

from integrations.errors import NotFound
from integrations.tracker.base import (
    IssueDraft,
    IssueFilter,
    TrackerIssue,
    TrackerUser,
    Transition,
    pick_transition,
)
from storage.engine import SessionFactory, in_worker
from storage.local_tracker import (
    LocalComment,
    LocalIssue,
    LocalIssueLink,
    local_issue,
    local_issues,
    next_issue_number,
)
from storage.types import utcnow

CATEGORIES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done", "Resolved": "done"}
WORKFLOW = {  # id -> (transition name, target status), like a simplified Jira workflow
    "11": ("To Do", "To Do"),
    "21": ("In Progress", "In Progress"),
    "31": ("Done", "Done"),
    "41": ("Resolve", "Resolved"),
}


class LocalTracker:
    """Issues in the local database; keys like `ESC-12`, no webhooks, no users but Slack's.

    Every method is awaited from handlers and outbox jobs on the event loop: the database
    work runs on the bounded worker pool (`in_worker`), one unit of work per call.
    """

    name = "local"

    def __init__(self, sessions: SessionFactory, *, base_url: str = "opsbot://issues") -> None:
        self._sessions = sessions
        self._base_url = base_url
        # Creates in this process take numbers one at a time, in the order they were asked
        # (FIFO, waiting off the loop's threads): two filings running at once would otherwise
        # both read the same next number and one would fail on the unique key and retry.
        # Another replica racing is still caught by that key and the outbox's retry.
        self._numbering = asyncio.Lock()

    async def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        """Create the issue unless the correlation label already names one."""
        async with self._numbering:
            return await in_worker(self._sessions, lambda session: self._create(session, draft))

    def _create(self, session: Session, draft: IssueDraft) -> TrackerIssue:
        # The label look-up and the insert share one unit of work: a re-try finds the first.
        existing = self._labelled(session, draft.correlation_label)
        if existing is not None:
            return existing
        number = next_issue_number(session, draft.project)
        issue = LocalIssue(
            key=f"{draft.project}-{number}",
            project=draft.project,
            number=number,
            summary=draft.summary,
            description=draft.description,
            issue_type=draft.issue_type,
            priority=draft.priority,
            labels=[draft.correlation_label, *draft.labels],
            fields=dict(draft.custom_fields),
            parent_key=draft.parent_key,
            assignee_account_id=draft.assignee_account_id,
        )
        session.add(issue)
        session.flush()
        return self._view(issue)

    async def find_by_label(self, label: str) -> TrackerIssue | None:
        """Return the issue carrying `label`, if any."""
        return await in_worker(self._sessions, lambda session: self._labelled(session, label))

    def _labelled(self, session: Session, label: str) -> TrackerIssue | None:
        for issue in local_issues(session):
            if label in issue.labels:
                return self._view(issue)
        return None

    async def get_issue(self, key: str) -> TrackerIssue:
        """Return the issue."""
        return await in_worker(
            self._sessions, lambda session: self._view(self._require(session, key))
        )

    async def update_fields(self, key: str, fields: dict[str, Any]) -> None:
        """Set fields (summary, description, priority, or anything else kept as extra)."""

        def update(session: Session) -> None:
            issue = self._require(session, key)
            extra = dict(issue.fields)
            for name, value in fields.items():
                if name in ("summary", "description", "priority"):
                    setattr(issue, name, value)
                else:
                    extra[name] = value
            issue.fields, issue.updated_at = extra, utcnow()
            session.add(issue)

        await in_worker(self._sessions, update)

    async def add_comment(self, key: str, body: str, *, ref: str | None = None) -> str:
        """Add a comment and return its id (a local write never loses its answer: no `ref`)."""

        def comment_on(session: Session) -> str:
            issue = self._require(session, key)
            comment = LocalComment(issue_id=issue.id or 0, body=body)
            session.add(comment)
            session.flush()
            return str(comment.id)

        return await in_worker(self._sessions, comment_on)

    async def transitions(self, key: str) -> list[Transition]:
        """Return the transitions available now."""
        return await in_worker(
            self._sessions, lambda session: _available(self._require(session, key).status)
        )

    async def transition(
        self, key: str, name_or_id: str, *, fields: dict[str, Any] | None = None
    ) -> Transition:
        """Move the issue by transition name or id."""

        def move(session: Session) -> Transition:
            issue = self._require(session, key)
            chosen = pick_transition(_available(issue.status), name_or_id)
            issue.status, issue.updated_at = chosen.to_status, utcnow()
            if fields:
                issue.fields = {**issue.fields, **fields}
            session.add(issue)
            return chosen

        return await in_worker(self._sessions, move)

    async def assign(self, key: str, account_id: str | None) -> None:
        """Assign the issue (local accounts are Slack user ids)."""

        def assign_to(session: Session) -> None:
            issue = self._require(session, key)
            issue.assignee_account_id, issue.updated_at = account_id, utcnow()
            session.add(issue)

        await in_worker(self._sessions, assign_to)

    async def find_user_by_email(self, email: str) -> TrackerUser | None:
        """Return None: the local tracker has no accounts of its own."""
        return None

    async def search(self, flt: IssueFilter, *, limit: int = 50) -> list[TrackerIssue]:
        """Return issues matching the filter, newest first."""

        def matching(session: Session) -> list[TrackerIssue]:
            issues = reversed(local_issues(session))
            return [self._view(i) for i in issues if _matches(i, flt)][:limit]

        return await in_worker(self._sessions, matching)

    async def link_issues(self, link_type: str, inward_key: str, outward_key: str) -> None:
        """Link two issues."""

        def link(session: Session) -> None:
            self._require(session, inward_key)
            self._require(session, outward_key)
            session.add(
                LocalIssueLink(link_type=link_type, inward_key=inward_key, outward_key=outward_key)
            )

        await in_worker(self._sessions, link)

    def browse_url(self, key: str) -> str:
        """Return a pseudo URL (there is no web UI for the local tracker)."""
        return f"{self._base_url}/{key}"

    @staticmethod
    def _require(session: Session, key: str) -> LocalIssue:
        issue = local_issue(session, key)
        if issue is None:
            raise NotFound(f"No issue {key} in the local tracker.")
        return issue

    def _view(self, issue: LocalIssue) -> TrackerIssue:
        assignee = (
            TrackerUser(issue.assignee_account_id, issue.assignee_account_id)
            if issue.assignee_account_id
            else None
        )
        return TrackerIssue(
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            status_category=CATEGORIES.get(issue.status, "new"),
            url=self.browse_url(issue.key),
            priority=issue.priority,
            assignee=assignee,
            labels=tuple(issue.labels),
            parent_key=issue.parent_key,
            updated=issue.updated_at,
        )


def _available(current: str) -> list[Transition]:
    return [
        Transition(tid, name, target, CATEGORIES[target])
        for tid, (name, target) in WORKFLOW.items()
        if target != current
    ]


def _matches(issue: LocalIssue, flt: IssueFilter) -> bool:
    checks = [
        flt.project is None or issue.project == flt.project,
        all(label in issue.labels for label in flt.labels),
        not flt.open_only or CATEGORIES.get(issue.status) != "done",
        not flt.statuses or issue.status in flt.statuses,
        flt.assignee_account_id is None or issue.assignee_account_id == flt.assignee_account_id,
        flt.parent_key is None or issue.parent_key == flt.parent_key,
        flt.text is None or flt.text.lower() in issue.summary.lower(),
    ]
    return all(checks)
