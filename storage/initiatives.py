"""Initiatives (Jira epics) kept locally: progress, notes, children and linked escalations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import ClassVar, Protocol

from sqlalchemy import JSON, BigInteger, Date, UniqueConstraint, and_, func, or_
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.tracker_items import (
    TrackerItem,
    item_by_dedupe_key,
    item_by_id,
    item_by_key,
)
from storage.types import UTCDateTime, utcnow


class Initiative(TrackerItem, table=True):
    """One initiative: what it is for, its epic once filed, its Slack thread, its progress."""

    __tablename__ = "initiative"
    label_prefix: ClassVar[str] = "opsbot-init-"

    title: str = Field(max_length=255)
    goal: str = ""
    owner_id: str | None = Field(default=None, max_length=32, index=True)
    stakeholders: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    vendors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_date: date | None = Field(default=None, sa_type=Date)
    created_by: str = Field(max_length=32)
    origin_channel_id: str | None = Field(default=None, max_length=32)
    children_total: int = 0
    children_done: int = 0
    # Last progress note or tracker activity: "days since update" counts from here.
    last_update_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        """Tell whether the initiative is still being worked on."""
        return self.status_category != "done"


class InitiativeChild(SQLModel, table=True):
    """A story under an initiative's epic, as last seen in the tracker."""

    __tablename__ = "initiative_child"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    key: str = Field(max_length=64, unique=True)
    summary: str = Field(default="", max_length=500)
    status: str = Field(default="To Do", max_length=64)
    status_category: str = Field(default="new", max_length=16)
    # Tracker time (ms) of the status we hold: a webhook delivered late never lowers progress.
    status_at_ms: int = Field(default=0, sa_type=BigInteger)


class InitiativeNote(SQLModel, table=True):
    """A dated progress note or status change."""

    __tablename__ = "initiative_note"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    kind: str = Field(default="update", max_length=16)  # update | status | link | child | jira
    text: str = ""
    author: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InitiativeLink(SQLModel, table=True):
    """An escalation (or other issue) kept as evidence for an initiative."""

    __tablename__ = "initiative_link"
    __table_args__ = (UniqueConstraint("initiative_id", "issue_key", name="uq_initiative_link"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    issue_key: str = Field(max_length=64)
    added_by: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def initiative_by_id(session: Session, initiative_id: int) -> Initiative | None:
    """Return one initiative by id."""
    return item_by_id(session, Initiative, initiative_id)


def initiative_by_key(session: Session, key: str) -> Initiative | None:
    """Return the initiative whose epic key is `key` (case-insensitive)."""
    return item_by_key(session, Initiative, key)


def initiative_by_dedupe_key(session: Session, dedupe_key: str) -> Initiative | None:
    """Return the initiative created under this domain key."""
    return item_by_dedupe_key(session, Initiative, dedupe_key)


def list_initiatives(
    session: Session, *, open_only: bool = True, owner_id: str | None = None
) -> list[Initiative]:
    """Return initiatives by target date (undated last), then id."""
    statement = select(Initiative)
    if open_only:
        statement = statement.where(col(Initiative.status_category) != "done")
    if owner_id is not None:
        # Rows from before the owner defaulted to the filer are the filer's.
        unowned = and_(col(Initiative.owner_id).is_(None), col(Initiative.created_by) == owner_id)
        statement = statement.where(or_(col(Initiative.owner_id) == owner_id, unowned))
    rows = list(session.exec(statement.order_by(col(Initiative.id))))
    return sorted(rows, key=lambda i: (i.target_date is None, i.target_date or date.max, i.id))


def child_by_key(session: Session, key: str) -> InitiativeChild | None:
    """Return the child story with this key."""
    statement = select(InitiativeChild).where(func.upper(col(InitiativeChild.key)) == key.upper())
    return session.exec(statement).first()


def children_of(session: Session, initiative_id: int) -> list[InitiativeChild]:
    """Return an initiative's known children by key."""
    statement = (
        select(InitiativeChild)
        .where(col(InitiativeChild.initiative_id) == initiative_id)
        .order_by(col(InitiativeChild.id))
    )
    return list(session.exec(statement))


class ChildState(Protocol):
    """A story as the tracker reports it (a tracker issue is one)."""

    @property
    def key(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def status_category(self) -> str: ...


def update_children(
    session: Session,
    initiative: Initiative,
    states: Iterable[ChildState],
    *,
    at_ms: int | None = None,
) -> None:
    """Record the children's latest states, then recount progress (in the caller's transaction).

    With `at_ms` (the tracker time of these states), a state older than the one held is
    ignored: deliveries can arrive out of order.
    """
    for state in states:
        _upsert_child(session, initiative, state, at_ms)
    _recount_children(session, initiative)


def _upsert_child(
    session: Session, initiative: Initiative, state: ChildState, at_ms: int | None
) -> None:
    child = child_by_key(session, state.key) or InitiativeChild(
        initiative_id=initiative.id or 0, key=state.key.upper()
    )
    if at_ms is not None and child.id is not None and at_ms < child.status_at_ms:
        return
    child.initiative_id = initiative.id or 0
    child.summary, child.status = state.summary[:500], state.status
    child.status_category = state.status_category
    if at_ms is not None:
        child.status_at_ms = at_ms
    session.add(child)
    session.flush()


def _recount_children(session: Session, initiative: Initiative) -> None:
    children = children_of(session, initiative.id or 0)
    initiative.children_total = len(children)
    initiative.children_done = sum(1 for c in children if c.status_category == "done")
    initiative.updated_at = utcnow()
    session.add(initiative)


def add_note(
    session: Session,
    initiative: Initiative,
    *,
    text: str,
    kind: str = "update",
    author: str | None = None,
    at: datetime | None = None,
) -> InitiativeNote:
    """Add a note; progress notes and tracker activity count as an update."""
    note = InitiativeNote(
        initiative_id=initiative.id or 0,
        kind=kind,
        text=text,
        author=author[:200] if author else None,
        at=at or utcnow(),
    )
    session.add(note)
    initiative.last_update_at = max(initiative.last_update_at, note.at)
    session.add(initiative)
    return note


def notes_for(session: Session, initiative_id: int, *, limit: int = 20) -> list[InitiativeNote]:
    """Return an initiative's newest notes first."""
    statement = (
        select(InitiativeNote)
        .where(col(InitiativeNote.initiative_id) == initiative_id)
        .order_by(col(InitiativeNote.at).desc(), col(InitiativeNote.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def add_link(
    session: Session, initiative: Initiative, *, issue_key: str, added_by: str
) -> InitiativeLink:
    """Link an issue as evidence; linking the same issue twice keeps one row."""
    statement = select(InitiativeLink).where(
        col(InitiativeLink.initiative_id) == initiative.id,
        col(InitiativeLink.issue_key) == issue_key.upper(),
    )
    existing = session.exec(statement).first()
    if existing is not None:
        return existing
    link = InitiativeLink(
        initiative_id=initiative.id or 0, issue_key=issue_key.upper(), added_by=added_by
    )
    session.add(link)
    session.flush()
    return link


def links_for(session: Session, initiative_id: int) -> list[InitiativeLink]:
    """Return the issues linked to an initiative, oldest first."""
    statement = (
        select(InitiativeLink)
        .where(col(InitiativeLink.initiative_id) == initiative_id)
        .order_by(col(InitiativeLink.id))
    )
    return list(session.exec(statement))
