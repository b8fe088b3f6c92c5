"""Escalations kept locally, so lists and digests answer without calling the tracker."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from storage.kb import KbArticle
from storage.tracker_items import (
    TrackerItem,
    item_by_dedupe_key,
    item_by_id,
    item_by_key,
    item_by_message,
)
from storage.types import UTCDateTime, utcnow

OPEN_CATEGORIES = ("new", "indeterminate")


class EscalationBase(SQLModel):
    """What the lead filed."""

    title: str = Field(max_length=255)
    description: str = ""
    area: str = Field(max_length=64, index=True)
    severity: int = Field(ge=1, le=4, index=True)
    vendor: str | None = Field(default=None, max_length=64, index=True)
    affected_accounts: int | None = None
    links: str = ""
    reporter_id: str = Field(max_length=32, index=True)
    reporter_name: str = Field(default="", max_length=200)
    origin_channel_id: str | None = Field(default=None, max_length=32)
    source_permalink: str | None = Field(default=None, max_length=500)


class Escalation(EscalationBase, TrackerItem, table=True):
    """One escalation: its issue key once filed, its Slack message, its latest known state."""

    __tablename__ = "escalation"

    # Escalations are looked up by their message and listed by category: both indexed.
    message_ts: str | None = Field(default=None, max_length=32, index=True)
    status_category: str = Field(default="new", max_length=16, index=True)
    assignee_account_id: str | None = Field(default=None, max_length=128)
    assignee_name: str | None = Field(default=None, max_length=200)
    assignee_slack_id: str | None = Field(default=None, max_length=32)
    assignee_at_ms: int = Field(default=0, sa_type=BigInteger)
    root_cause: str | None = None
    # What kind of cause it was (`training-gap`, …): a training gap offers a rollout.
    root_cause_kind: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_open(self) -> bool:
        """Tell whether the escalation still needs work."""
        return self.status_category in OPEN_CATEGORIES


class EscalationEvent(SQLModel, table=True):
    """A change in an escalation's life: created, status, assignee, comment, resolved."""

    __tablename__ = "escalation_event"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    kind: str = Field(max_length=32)
    from_value: str | None = Field(default=None, max_length=200)
    to_value: str | None = Field(default=None, max_length=200)
    actor: str | None = Field(default=None, max_length=200)
    source: str = Field(default="slack", max_length=16)  # slack | jira | opsbot
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EscalationReply(SQLModel, table=True):
    """A reply in an escalation's thread, kept so a 📝 reaction can send it to the tracker."""

    __tablename__ = "escalation_reply"
    __table_args__ = (UniqueConstraint("channel_id", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    user_id: str | None = Field(default=None, max_length=32)
    text: str = ""
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def remember_reply(
    session: Session,
    escalation: Escalation,
    *,
    channel_id: str,
    ts: str,
    user_id: str | None,
    text: str,
) -> None:
    """Keep a thread reply (once per message; an edit replaces the text)."""
    statement = select(EscalationReply).where(
        (col(EscalationReply.channel_id) == channel_id) & (col(EscalationReply.ts) == ts)
    )
    reply = session.exec(statement).first() or EscalationReply(
        escalation_id=escalation.id or 0, channel_id=channel_id, ts=ts
    )
    reply.user_id, reply.text = user_id, text
    session.add(reply)


def reply_at(session: Session, channel_id: str, ts: str) -> EscalationReply | None:
    """Return the kept thread reply at (channel, ts)."""
    statement = select(EscalationReply).where(
        (col(EscalationReply.channel_id) == channel_id) & (col(EscalationReply.ts) == ts)
    )
    return session.exec(statement).first()


def escalation_by_id(session: Session, escalation_id: int) -> Escalation | None:
    """Return one escalation by id."""
    return item_by_id(session, Escalation, escalation_id)


def escalation_by_key(session: Session, key: str) -> Escalation | None:
    """Return the escalation whose issue key is `key` (case-insensitive)."""
    return item_by_key(session, Escalation, key)


def escalation_by_dedupe_key(session: Session, dedupe_key: str) -> Escalation | None:
    """Return the escalation filed under this domain key."""
    return item_by_dedupe_key(session, Escalation, dedupe_key)


def escalation_by_message(session: Session, channel_id: str, ts: str) -> Escalation | None:
    """Return the escalation whose channel message is (channel, ts)."""
    return item_by_message(session, Escalation, channel_id, ts)


def recent_duplicate(
    session: Session, *, reporter_id: str, title: str, vendor: str | None, within: timedelta
) -> Escalation | None:
    """Return an escalation with the same reporter, title and vendor filed within `within`."""
    statement = (
        select(Escalation)
        .where(col(Escalation.reporter_id) == reporter_id)
        .where(func.lower(col(Escalation.title)) == title.strip().lower())
        .where(col(Escalation.created_at) >= utcnow() - within)
        .order_by(col(Escalation.id))
    )
    if vendor is None:
        statement = statement.where(col(Escalation.vendor).is_(None))
    else:
        statement = statement.where(func.lower(col(Escalation.vendor)) == vendor.lower())
    return session.exec(statement).first()


def list_escalations(
    session: Session,
    *,
    open_only: bool = True,
    severity: int | None = None,
    area: str | None = None,
    vendors: list[str] | None = None,
    involving_user: str | None = None,
    limit: int = 200,
) -> list[Escalation]:
    """Return escalations by severity (SEV1 first), then oldest first."""
    statement = select(Escalation)
    if open_only:
        statement = statement.where(col(Escalation.status_category).in_(OPEN_CATEGORIES))
    if severity is not None:
        statement = statement.where(col(Escalation.severity) == severity)
    if area is not None:
        statement = statement.where(col(Escalation.area) == area)
    if vendors is not None:
        lowered = [v.lower() for v in vendors]
        statement = statement.where(func.lower(col(Escalation.vendor)).in_(lowered))
    if involving_user is not None:
        statement = statement.where(
            (col(Escalation.reporter_id) == involving_user)
            | (col(Escalation.assignee_slack_id) == involving_user)
        )
    statement = statement.order_by(
        col(Escalation.severity), col(Escalation.created_at), col(Escalation.id)
    ).limit(limit)
    return list(session.exec(statement))


def record_event(
    session: Session,
    escalation: Escalation,
    *,
    kind: str,
    from_value: str | None = None,
    to_value: str | None = None,
    actor: str | None = None,
    source: str = "slack",
) -> EscalationEvent:
    """Add one history event in the caller's transaction."""
    event = EscalationEvent(
        escalation_id=escalation.id or 0,
        kind=kind,
        from_value=_clip(from_value),
        to_value=_clip(to_value),
        actor=actor[:200] if actor else None,
        source=source,
    )
    session.add(event)
    return event


def _clip(value: str | None, limit: int = 200) -> str | None:
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "…"


def has_event(session: Session, escalation_id: int, kind: str) -> bool:
    """Tell whether the escalation's history holds an event of `kind`."""
    statement = (
        select(EscalationEvent.id)
        .where(col(EscalationEvent.escalation_id) == escalation_id)
        .where(col(EscalationEvent.kind) == kind)
        .limit(1)
    )
    return session.exec(statement).first() is not None


def open_escalations_about(
    session: Session, *, vendor: str | None, exclude_id: int | None, limit: int = 500
) -> list[Escalation]:
    """Return the open escalations about `vendor` (none: those about no vendor), newest first."""
    statement = select(Escalation).where(col(Escalation.status_category).in_(OPEN_CATEGORIES))
    if vendor is None:
        statement = statement.where(col(Escalation.vendor).is_(None))
    else:
        statement = statement.where(func.lower(col(Escalation.vendor)) == vendor.lower())
    if exclude_id is not None:
        statement = statement.where(col(Escalation.id) != exclude_id)
    statement = statement.order_by(col(Escalation.id).desc()).limit(limit)
    return list(session.exec(statement))


def events_for(session: Session, escalation_id: int) -> list[EscalationEvent]:
    """Return an escalation's history, oldest first."""
    statement = (
        select(EscalationEvent)
        .where(col(EscalationEvent.escalation_id) == escalation_id)
        .order_by(col(EscalationEvent.id))
    )
    return list(session.exec(statement))


def kb_articles_in_area(session: Session, area: str, *, limit: int = 50) -> list[KbArticle]:
    """Return the live (not retired) knowledge-base articles of a policy area, by path."""
    statement = (
        select(KbArticle)
        .where(func.lower(col(KbArticle.area)) == area.lower())
        .where(col(KbArticle.retired_at).is_(None))
        .order_by(col(KbArticle.path))
        .limit(limit)
    )
    return list(session.exec(statement))
