"""Training rollouts: one article version sent to one vendor, and that vendor's answer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Text, UniqueConstraint
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.claims import claim_in_savepoint
from storage.types import UTCDateTime, utcnow

PENDING, SCHEDULED, TRAINED, QUESTION = "pending", "scheduled", "trained", "question"
OPEN_STATES = (PENDING, SCHEDULED, QUESTION)


class TrainingRollout(SQLModel, table=True):
    """A vendor asked to train its agents on one version of an article by a day."""

    __tablename__ = "training_rollout"
    __table_args__ = (
        UniqueConstraint(
            "article_id", "article_version", "vendor_slug", name="uq_training_rollout_vendor"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", index=True)
    article_version: int
    vendor_slug: str = Field(max_length=64, index=True)
    # The vendor's channel when the rollout was posted; a button counts only there.
    channel_id: str = Field(max_length=32)
    due: date = Field(sa_type=Date)
    note: str = Field(default="", max_length=1000)
    state: str = Field(default=PENDING, max_length=16, index=True)
    scheduled_for: date | None = Field(default=None, sa_type=Date)
    state_by: str | None = Field(default=None, max_length=32)
    state_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TrainingNudge(SQLModel, table=True):
    """An overdue nudge for a rollout on a day; unique, so replicas send it once."""

    __tablename__ = "training_nudge"
    __table_args__ = (UniqueConstraint("rollout_id", "on_day", name="uq_training_nudge_day"),)

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="training_rollout.id")
    on_day: date = Field(sa_type=Date)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def existing_rollout(
    session: Session, *, article_id: int, version: int, vendor_slug: str
) -> TrainingRollout | None:
    """Return the rollout of this article version to this vendor, if there is one."""
    statement = select(TrainingRollout).where(
        col(TrainingRollout.article_id) == article_id,
        col(TrainingRollout.article_version) == version,
        col(TrainingRollout.vendor_slug) == vendor_slug,
    )
    return session.exec(statement).first()


def list_rollouts(
    session: Session,
    *,
    article_id: int | None = None,
    vendor_slugs: list[str] | None = None,
    open_only: bool = False,
) -> list[TrainingRollout]:
    """Return rollouts, newest first, filtered by article, vendors and openness."""
    statement = select(TrainingRollout)
    if article_id is not None:
        statement = statement.where(col(TrainingRollout.article_id) == article_id)
    if vendor_slugs is not None:
        statement = statement.where(col(TrainingRollout.vendor_slug).in_(vendor_slugs))
    if open_only:
        statement = statement.where(col(TrainingRollout.state).in_(OPEN_STATES))
    statement = statement.order_by(
        col(TrainingRollout.due), col(TrainingRollout.vendor_slug), col(TrainingRollout.id)
    )
    return list(session.exec(statement))


def claim_nudge(session: Session, *, rollout_id: int, on_day: date, now: datetime) -> bool:
    """Record today's nudge for a rollout; False when another replica already did."""
    nudge = TrainingNudge(rollout_id=rollout_id, on_day=on_day, sent_at=now)
    return claim_in_savepoint(session, nudge) is not None


class TrainingQuestion(SQLModel, table=True):
    """A trainer's question about a rollout, for the article's owner; kept with its vendor."""

    __tablename__ = "training_question"
    __table_args__ = (UniqueConstraint("request_key", name="uq_training_question_request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    rollout_id: int = Field(foreign_key="training_rollout.id", index=True)
    article_id: int = Field(foreign_key="kb_article.id", index=True)
    # Copied from the rollout: a question is only ever shown within its vendor's scope.
    vendor_slug: str = Field(max_length=64, index=True)
    asked_by: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The modal submission's id: a repeated submission stores the question once.
    request_key: str = Field(max_length=64)


def question_by_key(session: Session, request_key: str) -> TrainingQuestion | None:
    """Return the question stored for one modal submission, if any."""
    statement = select(TrainingQuestion).where(col(TrainingQuestion.request_key) == request_key)
    return session.exec(statement).first()


def questions_for(
    session: Session, *, vendor_slugs: list[str] | None = None, article_id: int | None = None
) -> list[TrainingQuestion]:
    """Return stored questions, newest first, within the given vendors."""
    statement = select(TrainingQuestion)
    if vendor_slugs is not None:
        statement = statement.where(col(TrainingQuestion.vendor_slug).in_(vendor_slugs))
    if article_id is not None:
        statement = statement.where(col(TrainingQuestion.article_id) == article_id)
    return list(session.exec(statement.order_by(col(TrainingQuestion.asked_at).desc())))
