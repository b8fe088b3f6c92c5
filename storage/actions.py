"""Action items from check-ins and escalations, and the reminders claimed for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from storage.claims import claim_and_commit
from storage.types import UTCDateTime, utcnow


class ActionItem(SQLModel, table=True):
    """Something one person agreed to do by a day, optionally about a vendor or issue."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: str = Field(max_length=32, index=True)
    text: str = Field(max_length=1000)
    due: date = Field(sa_type=Date, index=True)
    vendor_slug: str | None = Field(default=None, max_length=64, index=True)
    escalation_key: str | None = Field(default=None, max_length=32)
    initiative_key: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = Field(default=None, max_length=32)


class ActionReminder(SQLModel, table=True):
    """A reminder sent (or being sent) for an item on a day; unique so replicas send once."""

    __tablename__ = "action_reminder"
    __table_args__ = (
        UniqueConstraint("action_id", "kind", "on_day", name="uq_action_reminder_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action_item.id", index=True)
    kind: str = Field(max_length=16)  # "due" on the due morning, "overdue" after it
    on_day: date = Field(sa_type=Date)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def add_action(session: Session, item: ActionItem) -> ActionItem:
    """Store a new action item; flushes so the id is known."""
    session.add(item)
    session.flush()
    return item


def get_action(session: Session, action_id: int) -> ActionItem | None:
    """Return the action item with this id."""
    return session.get(ActionItem, action_id)


def open_actions(
    session: Session,
    *,
    owner_id: str | None = None,
    vendor_slugs: list[str] | None = None,
    due_before: date | None = None,
    due_until: date | None = None,
) -> list[ActionItem]:
    """Return open items by due date, filtered by owner, vendors and due-date bounds."""
    statement = select(ActionItem).where(col(ActionItem.done_at).is_(None))
    if owner_id is not None:
        statement = statement.where(col(ActionItem.owner_id) == owner_id)
    if vendor_slugs is not None:
        statement = statement.where(col(ActionItem.vendor_slug).in_(vendor_slugs))
    if due_before is not None:
        statement = statement.where(col(ActionItem.due) < due_before)
    if due_until is not None:
        statement = statement.where(col(ActionItem.due) <= due_until)
    return list(session.exec(statement.order_by(col(ActionItem.due), col(ActionItem.id))))


def claim_reminder(session: Session, *, action_id: int, kind: str, on_day: date) -> bool:
    """Insert the reminder row and commit; False when it was already claimed."""
    reminder = ActionReminder(action_id=action_id, kind=kind, on_day=on_day)
    return claim_and_commit(session, reminder) is not None


def release_reminder(session: Session, *, action_id: int, kind: str, on_day: date) -> None:
    """Forget a claimed reminder whose DM could not be sent, so a later sweep retries it."""
    statement = select(ActionReminder).where(
        col(ActionReminder.action_id) == action_id,
        col(ActionReminder.kind) == kind,
        col(ActionReminder.on_day) == on_day,
    )
    for row in session.exec(statement):
        session.delete(row)
    session.commit()
