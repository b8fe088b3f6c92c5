"""The local tracker's issues and comments, used when Jira is not configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, func
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.types import UTCDateTime, utcnow


class LocalIssue(SQLModel, table=True):
    """An issue in the local tracker; keys look like Jira's (`ESC-12`)."""

    __tablename__ = "local_issue"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    project: str = Field(max_length=32, index=True)
    number: int
    summary: str = Field(max_length=500)
    description: str = ""
    issue_type: str = Field(default="Task", max_length=32)
    status: str = Field(default="To Do", max_length=64)
    priority: str | None = Field(default=None, max_length=32)
    assignee_account_id: str | None = Field(default=None, max_length=128)
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    parent_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LocalComment(SQLModel, table=True):
    """A comment on a local issue."""

    __tablename__ = "local_comment"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="local_issue.id", index=True)
    body: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LocalIssueLink(SQLModel, table=True):
    """A link between two local issues."""

    __tablename__ = "local_issue_link"

    id: int | None = Field(default=None, primary_key=True)
    link_type: str = Field(max_length=64)
    inward_key: str = Field(max_length=64)
    outward_key: str = Field(max_length=64)


def next_issue_number(session: Session, project: str) -> int:
    """Return the next number in `project` (the unique key catches a racing writer)."""
    current = session.exec(
        select(func.max(LocalIssue.number)).where(col(LocalIssue.project) == project)
    ).first()
    return int(current or 0) + 1


def local_issue(session: Session, key: str) -> LocalIssue | None:
    """Return the local issue with this key."""
    return session.exec(select(LocalIssue).where(col(LocalIssue.key) == key.upper())).first()


def local_issues(session: Session) -> list[LocalIssue]:
    """Return every local issue, oldest first."""
    return list(session.exec(select(LocalIssue).order_by(col(LocalIssue.id))))
