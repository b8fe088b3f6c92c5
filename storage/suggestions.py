"""Process-improvement suggestions, their user story, RICE score and one vote per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint, func
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.claims import claim_in_savepoint
from storage.types import UTCDateTime, utcnow

NEW, PROMOTING, PROMOTED = "new", "promoting", "promoted"


class Suggestion(SQLModel, table=True):
    """A suggestion as typed, and the user story and score the team made of it."""

    __tablename__ = "suggestion"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=255, unique=True)
    text: str = Field(max_length=3000)
    author_id: str = Field(max_length=32, index=True)
    channel_id: str | None = Field(default=None, max_length=32)
    role: str = Field(default="team member", max_length=200)
    capability: str = Field(default="", max_length=1000)
    benefit: str = Field(default="", max_length=1000)
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reach: float | None = None
    impact: float | None = None
    confidence: float | None = None
    effort: float | None = None
    votes: int = 0
    state: str = Field(default=NEW, max_length=16, index=True)
    issue_key: str | None = Field(default=None, max_length=64)
    issue_url: str | None = Field(default=None, max_length=500)
    initiative_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def rice(self) -> float | None:
        """Return reach × impact × confidence / effort, or None until all four are set."""
        if None in (self.reach, self.impact, self.confidence, self.effort):
            return None
        assert self.reach is not None and self.impact is not None
        assert self.confidence is not None and self.effort is not None
        if self.effort <= 0:
            return None
        return self.reach * self.impact * self.confidence / self.effort

    @property
    def story(self) -> str:
        """Return the user story sentence."""
        return f"As a {self.role}, I want {self.capability}, so that {self.benefit}."

    @property
    def label(self) -> str:
        """Return the correlation label of its promoted issue."""
        return f"opsbot-sugg-{self.id}"


class SuggestionVote(SQLModel, table=True):
    """One person's upvote; the unique pair makes a double click count once."""

    __tablename__ = "suggestion_vote"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id", name="uq_suggestion_vote_user"),)

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    user_id: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def add_suggestion(session: Session, suggestion: Suggestion) -> Suggestion:
    """Store a suggestion (flushed, so the id is known); an existing dedupe key wins."""
    existing = session.exec(
        select(Suggestion).where(col(Suggestion.dedupe_key) == suggestion.dedupe_key)
    ).first()
    if existing is not None:
        return existing
    session.add(suggestion)
    session.flush()
    return suggestion


def suggestion_by_id(session: Session, suggestion_id: int) -> Suggestion | None:
    """Return one suggestion by id."""
    return session.get(Suggestion, suggestion_id)


def list_suggestions(
    session: Session,
    *,
    author_id: str | None = None,
    open_only: bool = False,
    channel_id: str | None = None,
) -> list[Suggestion]:
    """Return suggestions newest first (only those filed in `channel_id`, when given)."""
    statement = select(Suggestion)
    if author_id is not None:
        statement = statement.where(col(Suggestion.author_id) == author_id)
    if channel_id is not None:
        statement = statement.where(col(Suggestion.channel_id) == channel_id)
    if open_only:
        statement = statement.where(col(Suggestion.state) != PROMOTED)
    statement = statement.order_by(col(Suggestion.created_at).desc(), col(Suggestion.id).desc())
    return list(session.exec(statement))


def cast_vote(session: Session, *, suggestion: Suggestion, user_id: str) -> bool:
    """Record `user_id`'s vote in its own savepoint; False when they had already voted."""
    vote = SuggestionVote(suggestion_id=suggestion.id or 0, user_id=user_id)
    if claim_in_savepoint(session, vote) is None:
        return False
    suggestion.votes = count_votes(session, suggestion.id or 0)
    session.add(suggestion)
    session.flush()
    return True


def count_votes(session: Session, suggestion_id: int) -> int:
    """Return how many people voted for the suggestion."""
    statement = select(func.count()).where(col(SuggestionVote.suggestion_id) == suggestion_id)
    return int(session.exec(statement).one())
