"""What every row opsbot files in the tracker keeps: its domain key, its issue and its status."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from sqlalchemy import BigInteger, func
from sqlmodel import Field, Session, SQLModel, col, select

FILING, FILED, FILING_FAILED = "filing", "filed", "failed"


class TrackerItem(SQLModel):
    """The columns of a row filed as a tracker issue (an escalation, an initiative's epic).

    A mixin, not a table: SQLModel builds each table its own columns from these fields, so
    the tables' schemas stay their own (a table may redeclare a field to index it).
    """

    # Subclasses name the correlation label their issue carries: `<prefix><id>`.
    label_prefix: ClassVar[str] = "opsbot-"

    id: int | None = Field(default=None, primary_key=True)
    # A domain key (modal view id, or what identifies a request): one row each.
    dedupe_key: str = Field(max_length=255, unique=True)
    key: str | None = Field(default=None, max_length=64, unique=True, index=True)
    tracker: str = Field(default="local", max_length=16)
    filing_state: str = Field(default=FILING, max_length=16)
    filing_error: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=500)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    status: str = Field(default="To Do", max_length=64)
    status_category: str = Field(default="new", max_length=16)
    # Tracker time (ms) of the status we hold: an older webhook never overwrites it.
    status_at_ms: int = Field(default=0, sa_type=BigInteger)

    @property
    def label(self) -> str:
        """Return the correlation label its issue carries."""
        return f"{self.label_prefix}{self.id}"

    @property
    def display_key(self) -> str:
        """Return the issue key, or a placeholder while filing."""
        return self.key or f"#{self.id} (filing)"

    @property
    def filed_key(self) -> str | None:
        """Return the issue key once filed; None while filing (or after filing failed)."""
        return self.key if self.filing_state == FILED and self.key else None


Item = TypeVar("Item", bound=TrackerItem)


def item_by_id(session: Session, model: type[Item], item_id: int) -> Item | None:
    """Return one row of `model` by id."""
    return session.get(model, item_id)


def item_by_key(session: Session, model: type[Item], key: str) -> Item | None:
    """Return the row of `model` whose issue key is `key` (case-insensitive)."""
    statement = select(model).where(func.upper(col(model.key)) == key.upper())
    return session.exec(statement).first()


def item_by_dedupe_key(session: Session, model: type[Item], dedupe_key: str) -> Item | None:
    """Return the row of `model` created under this domain key."""
    statement = select(model).where(col(model.dedupe_key) == dedupe_key)
    return session.exec(statement).first()


def item_by_message(session: Session, model: type[Item], channel_id: str, ts: str) -> Item | None:
    """Return the row of `model` whose channel message is (channel, ts)."""
    statement = select(model).where(
        (col(model.channel_id) == channel_id) & (col(model.message_ts) == ts)
    )
    return session.exec(statement).first()
