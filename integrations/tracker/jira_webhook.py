"""Jira's webhook body, read once: its shape checked by pydantic, then a typed TrackerChange.

The families (escalations, initiatives) receive the TrackerChange; none of them reads Jira's
JSON. A body that does not fit is the sender's mistake and gets a 400 (a 500 would make Jira
deliver it again, forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from integrations.tracker.base import BOT_COMMENT_MARK, TrackerIssue, user_from_raw

# Milliseconds since the epoch; bool is not a number here, and neither is "soon".
_Stamp = Annotated[StrictInt, Field(ge=0, le=2**53)]
_Text = StrictStr | None
CATEGORIES = ("new", "indeterminate", "done")
# What a status is when the delivery does not say its category.
_CATEGORY_BY_NAME = {
    "to do": "new",
    "open": "new",
    "backlog": "new",
    "in progress": "indeterminate",
    "done": "done",
    "closed": "done",
    "resolved": "done",
}


class _Loose(BaseModel):
    """Jira sends many more fields than we read; they pass through unchecked.

    Field names are Jira's own (camelCase), so that the model reads the body as sent.
    """

    model_config = ConfigDict(extra="allow")


class _User(_Loose):
    displayName: _Text = None
    accountId: _Text = None


class _Category(_Loose):
    key: _Text = None


class _Status(_Loose):
    name: _Text = None
    statusCategory: _Category | None = None


class _Parent(_Loose):
    key: _Text = None


class _Project(_Loose):
    key: _Text = None


class _Fields(_Loose):
    summary: _Text = None
    labels: list[StrictStr] | None = None
    status: _Status | None = None
    assignee: _User | None = None
    parent: _Parent | None = None
    project: _Project | None = None


class _Issue(_Loose):
    key: _Text = None
    fields: _Fields | None = None


class _Item(_Loose):
    field: _Text = None
    fieldId: _Text = None
    toString: _Text = None


class _Changelog(_Loose):
    items: list[_Item] | None = None


class _Comment(_Loose):
    id: StrictStr | StrictInt | None = None
    body: _Text = None
    author: _User | None = None


class JiraWebhookBody(_Loose):
    """The fields of a delivery that opsbot reads."""

    timestamp: _Stamp | None = None
    webhookEvent: _Text = None
    issue_event_type_name: _Text = None
    user: _User | None = None
    issue: _Issue | None = None
    changelog: _Changelog | None = None
    comment: _Comment | None = None


class MalformedWebhook(ValueError):
    """The body is not a Jira webhook body opsbot can read; `reason` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FieldChange:
    """One changelog item: the field (lower case) and its new value as Jira writes it."""

    field: str
    to_string: str


@dataclass(frozen=True)
class TrackerComment:
    """A comment the delivery is about."""

    id: str | int | None
    body: str
    author: str

    @property
    def ours(self) -> bool:
        """Tell whether opsbot wrote it (our own comments come back as webhooks)."""
        return BOT_COMMENT_MARK in self.body


@dataclass(frozen=True)
class TrackerChange:
    """One delivery: the issue as it now stands, what changed, and who changed it."""

    # The issue as the delivery shows it (status "" when it sent none); None: no issue named.
    issue: TrackerIssue | None
    project_key: str | None
    at_ms: int  # the tracker's time of the change; 0 (oldest) when not sent
    actor: str
    changes: tuple[FieldChange, ...] = ()
    comment: TrackerComment | None = None  # only on comment events
    # The category the delivery gave the issue's status, when it gave a known one.
    sent_category: str | None = None

    def changed(self, field: str) -> tuple[FieldChange, ...]:
        """Return the changelog items about `field`."""
        return tuple(c for c in self.changes if c.field == field)

    def category_of(self, status: str) -> str:
        """Return `status`'s category: as sent for the issue's status, else by its name."""
        if self.issue is not None and status == self.issue.status and self.sent_category:
            return self.sent_category
        return category_by_name(status)


def read_jira_webhook(payload: dict[str, Any]) -> TrackerChange:
    """Read one delivery's body; MalformedWebhook when its shape is not Jira's."""
    try:
        body = JiraWebhookBody.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedWebhook(f"{where}: {first['msg']}") from exc
    actor = (body.user.displayName if body.user else None) or "someone"
    items = body.changelog.items if body.changelog and body.changelog.items else []
    fields = body.issue.fields if body.issue and body.issue.fields else _Fields()
    status = fields.status or _Status()
    sent = status.statusCategory.key if status.statusCategory else None
    sent = sent if sent in CATEGORIES else None
    return TrackerChange(
        issue=_issue(body.issue, fields, payload, sent) if body.issue and body.issue.key else None,
        project_key=fields.project.key if fields.project else None,
        at_ms=body.timestamp or 0,
        actor=actor,
        changes=tuple(
            FieldChange(field=(i.field or i.fieldId or "").lower(), to_string=i.toString or "")
            for i in items
        ),
        comment=_comment(body, actor),
        sent_category=sent,
    )


def category_by_name(status: str) -> str:
    """Return a status's category from its name alone; one we cannot place is not done."""
    return _CATEGORY_BY_NAME.get(status.strip().lower(), "indeterminate")


def _issue(
    issue: _Issue, fields: _Fields, payload: dict[str, Any], sent: str | None
) -> TrackerIssue:
    raw = payload.get("issue") or {}
    key = issue.key or ""
    name = (fields.status.name if fields.status else None) or ""
    return TrackerIssue(
        key=key,
        summary=fields.summary or "",
        status=name,
        status_category=sent or category_by_name(name),
        url=_browse_url(raw.get("self"), key),
        # Jira's user object, read as its REST answers are.
        assignee=user_from_raw((raw.get("fields") or {}).get("assignee")),
        labels=tuple(fields.labels or ()),
        parent_key=fields.parent.key if fields.parent else None,
    )


def _browse_url(link: Any, key: str) -> str:
    """Return the issue's page from its REST link (`self`); empty when the body has none."""
    if not isinstance(link, str):
        return ""
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}/browse/{key}" if parts.netloc else ""


def _comment(body: JiraWebhookBody, actor: str) -> TrackerComment | None:
    event = (body.webhookEvent or "") + (body.issue_event_type_name or "")
    if body.comment is None or "comment" not in event:
        return None
    author = (body.comment.author.displayName if body.comment.author else None) or actor
    return TrackerComment(id=body.comment.id, body=body.comment.body or "", author=author)
