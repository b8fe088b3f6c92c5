"""What an issue tracker must do for escalations and initiatives; Jira and the local one do it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from integrations.errors import OpsbotError, TrackerUnavailable
from integrations.tracker.wiki import lucene_text

# Comments the bot writes carry this mark, so a webhook echoing them back is recognised.
BOT_COMMENT_MARK = "[opsbot]"


class TrackerOutage(TrackerUnavailable):
    """The tracker did not answer (down, timed out, rate limited); the call may be retried."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TrackerRejected(OpsbotError):
    """The tracker refused the request (bad field, unknown transition): retrying cannot help."""


@dataclass(frozen=True)
class TrackerUser:
    """A tracker account."""

    account_id: str
    display_name: str
    email: str | None = None


def user_from_raw(raw: dict[str, Any] | None) -> TrackerUser | None:
    """Read a Jira user object (webhooks and REST answers); here, so reading a webhook
    does not load the Jira client library."""
    if not raw:
        return None
    return TrackerUser(
        account_id=str(raw.get("accountId") or raw.get("name") or ""),
        display_name=str(raw.get("displayName") or raw.get("name") or "?"),
        email=raw.get("emailAddress"),
    )


@dataclass(frozen=True)
class Transition:
    """A workflow step available from the issue's current status."""

    id: str
    name: str
    to_status: str
    to_category: str  # "new" | "indeterminate" | "done"


@dataclass(frozen=True)
class TrackerIssue:
    """The parts of an issue opsbot shows and keeps in step."""

    key: str
    summary: str
    status: str
    status_category: str
    url: str
    priority: str | None = None
    assignee: TrackerUser | None = None
    labels: tuple[str, ...] = ()
    parent_key: str | None = None
    updated: datetime | None = None


@dataclass(frozen=True)
class IssueDraft:
    """A new issue: the correlation label makes a lost create findable before re-trying."""

    project: str
    summary: str
    description: str
    correlation_label: str
    issue_type: str = "Task"
    priority: str | None = None
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)
    parent_key: str | None = None  # Epic or parent story (initiatives)
    assignee_account_id: str | None = None


@dataclass(frozen=True)
class IssueFilter:
    """Structured search; built into JQL with every value quoted and escaped."""

    project: str | None = None
    labels: tuple[str, ...] = ()
    open_only: bool = False
    statuses: tuple[str, ...] = ()
    assignee_account_id: str | None = None
    parent_key: str | None = None
    text: str | None = None
    order_by: str = "created DESC"


class Tracker(Protocol):
    """An issue tracker; every method may raise TrackerOutage or TrackerRejected."""

    name: str  # "jira" | "local"

    async def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        """Create the issue, once: look the correlation label up before a re-try."""
        ...

    async def find_by_label(self, label: str) -> TrackerIssue | None:
        """Return the issue carrying `label`, if any."""
        ...

    async def get_issue(self, key: str) -> TrackerIssue:
        """Return the issue (NotFound when it does not exist)."""
        ...

    async def update_fields(self, key: str, fields: dict[str, Any]) -> None:
        """Set fields on the issue."""
        ...

    async def add_comment(self, key: str, body: str, *, ref: str | None = None) -> str:
        """Add a plain-text comment (marked as the bot's) and return its id.

        `body` is what a person typed: the tracker escapes it for its own markup.

        `ref` names this comment for good (an outbox job): a comment already carrying it is
        returned instead of adding another, so a re-try after a lost answer adds nothing.
        """
        ...

    async def transitions(self, key: str) -> list[Transition]:
        """Return the transitions available now."""
        ...

    async def transition(
        self, key: str, name_or_id: str, *, fields: dict[str, Any] | None = None
    ) -> Transition:
        """Move the issue by transition name (case-insensitive) or id; list valid ones if not."""
        ...

    async def assign(self, key: str, account_id: str | None) -> None:
        """Assign the issue (None unassigns)."""
        ...

    async def find_user_by_email(self, email: str) -> TrackerUser | None:
        """Return the account with this e-mail, if the tracker knows it."""
        ...

    async def search(self, flt: IssueFilter, *, limit: int = 50) -> list[TrackerIssue]:
        """Return issues matching the structured filter."""
        ...

    async def link_issues(self, link_type: str, inward_key: str, outward_key: str) -> None:
        """Link two issues (e.g. "Relates", "Blocks")."""
        ...

    def browse_url(self, key: str) -> str:
        """Return the human URL of the issue."""
        ...


def jql_quote(value: str) -> str:
    """Quote `value` as a JQL string literal: backslashes and quotes escaped, no newlines."""
    cleaned = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_jql(flt: IssueFilter) -> str:
    """Build JQL from a filter; user text only ever appears inside `jql_quote`."""
    clauses: list[str] = []
    if flt.project:
        clauses.append(f"project = {jql_quote(flt.project)}")
    clauses += [f"labels = {jql_quote(label)}" for label in flt.labels]
    if flt.open_only:
        clauses.append('statusCategory != "Done"')
    if flt.statuses:
        clauses.append("status in (" + ", ".join(jql_quote(s) for s in flt.statuses) + ")")
    if flt.assignee_account_id:
        clauses.append(f"assignee = {jql_quote(flt.assignee_account_id)}")
    if flt.parent_key:
        clauses.append(f"parent = {jql_quote(flt.parent_key)}")
    if flt.text:
        clauses.append(f"summary ~ {jql_quote(lucene_text(flt.text))}")
    order = flt.order_by if flt.order_by in _ORDERS else "created DESC"
    return " AND ".join(clauses) + f" ORDER BY {order}"


_ORDERS = {"created DESC", "created ASC", "updated DESC", "priority DESC", "key ASC", "key DESC"}


def pick_transition(available: list[Transition], name_or_id: str) -> Transition:
    """Choose the transition by id, name or target status; TrackerRejected lists valid ones."""
    wanted = name_or_id.strip().lower()
    for transition in available:
        if wanted in (transition.id, transition.name.lower(), transition.to_status.lower()):
            return transition
    valid = ", ".join(sorted({t.name for t in available})) or "none"
    raise TrackerRejected(f"No transition called “{name_or_id}”. Valid now: {valid}.")


def resolving_transition(available: list[Transition]) -> Transition:
    """Pick the transition that resolves an issue (prefer Resolve, then any to a done status)."""
    for wanted in ("resolve", "resolved", "done", "close", "closed"):
        for t in available:
            if wanted in (t.name.lower(), t.to_status.lower()) and t.to_category == "done":
                return t
    done = [t for t in available if t.to_category == "done"]
    if not done:
        raise TrackerRejected("No transition resolves this issue from its current status.")
    return done[0]
