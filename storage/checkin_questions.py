"""Two-way check-ins: a schedule's questions, the DMs asking them, and the answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, UniqueConstraint, update
from sqlmodel import Column, Field, Session, SQLModel, col, select

from storage.claims import claim_in_savepoint
from storage.types import UTCDateTime, utcnow


class CheckinQuestionSet(SQLModel, table=True):
    """The questions a check-in asks its vendor's counterparts, and how long before it."""

    __tablename__ = "checkin_question_set"

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="checkin_schedule.id", unique=True, index=True)
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_minutes: int = 120
    group_id: str | None = Field(default=None, max_length=32)  # counterparts' user group
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckinPrompt(SQLModel, table=True):
    """One counterpart asked before one digest: unique, so replicas ask once."""

    __tablename__ = "checkin_prompt"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time", "user_id", name="uq_checkin_prompt"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(index=True)
    fire_time: datetime = Field(sa_type=UTCDateTime)
    vendor_slug: str = Field(max_length=64, index=True)
    user_id: str = Field(max_length=32)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CheckinAnswer(SQLModel, table=True):
    """A counterpart's answer to one question of one prompt."""

    __tablename__ = "checkin_answer"
    __table_args__ = (UniqueConstraint("prompt_id", "position", name="uq_checkin_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: int = Field(foreign_key="checkin_prompt.id", index=True)
    position: int
    question: str = Field(max_length=300)
    answer: str = Field(default="", max_length=3000)


def question_set(session: Session, schedule_id: int) -> CheckinQuestionSet | None:
    """Return a schedule's questions."""
    statement = select(CheckinQuestionSet).where(col(CheckinQuestionSet.schedule_id) == schedule_id)
    return session.exec(statement).first()


def all_question_sets(session: Session) -> list[CheckinQuestionSet]:
    """Return every schedule's questions."""
    return list(session.exec(select(CheckinQuestionSet).order_by(col(CheckinQuestionSet.id))))


def claim_prompt(
    session: Session, *, schedule_id: int, fire_time: datetime, vendor_slug: str, user_id: str
) -> CheckinPrompt | None:
    """Record that `user_id` is asked before this digest; None when already asked."""
    prompt = CheckinPrompt(
        schedule_id=schedule_id, fire_time=fire_time, vendor_slug=vendor_slug, user_id=user_id
    )
    return claim_in_savepoint(session, prompt)


def claim_prompt_nudge(session: Session, *, prompt_id: int, now: datetime) -> bool:
    """Mark the unanswered prompt nudged; False when answered or already nudged."""
    result = session.execute(
        update(CheckinPrompt)
        .where(
            col(CheckinPrompt.id) == prompt_id,
            col(CheckinPrompt.nudged_at).is_(None),
            col(CheckinPrompt.answered_at).is_(None),
        )
        .values(nudged_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def prompts_between(
    session: Session, *, start: datetime, end: datetime, vendor_slug: str | None = None
) -> list[CheckinPrompt]:
    """Return prompts for digests firing in [start, end), optionally of one vendor."""
    statement = select(CheckinPrompt).where(
        col(CheckinPrompt.fire_time) >= start, col(CheckinPrompt.fire_time) < end
    )
    if vendor_slug is not None:
        statement = statement.where(col(CheckinPrompt.vendor_slug) == vendor_slug)
    return list(
        session.exec(statement.order_by(col(CheckinPrompt.fire_time), col(CheckinPrompt.id)))
    )


def answers_for(session: Session, prompt_ids: list[int]) -> list[CheckinAnswer]:
    """Return the answers of these prompts, by prompt then question."""
    statement = select(CheckinAnswer).where(col(CheckinAnswer.prompt_id).in_(prompt_ids))
    return list(
        session.exec(statement.order_by(col(CheckinAnswer.prompt_id), col(CheckinAnswer.position)))
    )


def store_answers(
    session: Session, prompt: CheckinPrompt, answers: list[tuple[str, str]], *, now: datetime
) -> None:
    """Replace the prompt's answers (question, answer) and mark it answered."""
    for old in answers_for(session, [prompt.id or 0]):
        session.delete(old)
    session.flush()
    for position, (question, answer) in enumerate(answers):
        session.add(
            CheckinAnswer(
                prompt_id=prompt.id or 0,
                position=position,
                question=question[:300],
                answer=answer[:3000],
            )
        )
    prompt.answered_at = now
    session.add(prompt)


def release_prompt(session: Session, prompt_id: int) -> None:
    """Forget a prompt whose DM could not be sent, so a later sweep asks again."""
    prompt = session.get(CheckinPrompt, prompt_id)
    if prompt is not None and prompt.answered_at is None:
        session.delete(prompt)
