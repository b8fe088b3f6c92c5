"""Two-way check-ins: set questions, find whom to ask, store and read answers (no Slack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from commands.checkin_questions.parsing import AnswersCommand, QuestionsCommand
from commands.checkins.recurrence import recurrence_from_spec
from commands.checkins.service import scoped_vendor, vendor_schedule
from commands.permissions import Actor
from integrations.errors import NotFound, UsageError
from storage.checkin_questions import (
    CheckinPrompt,
    CheckinQuestionSet,
    all_question_sets,
    answers_for,
    prompts_between,
    question_set,
    store_answers,
)
from storage.checkins import RUN_POSTED, CheckinSchedule, DigestRun
from storage.surfaces import MEMBER_USER, VendorMember
from storage.vendors import Vendor


@dataclass(frozen=True)
class DueAsk:
    """A digest soon to fire whose counterparts are to be asked now."""

    schedule_id: int
    fire_time: datetime
    vendor_slug: str
    vendor_name: str
    questions: tuple[str, ...]
    user_ids: tuple[str, ...]  # mapped vendor members; the group's members are added later
    group_id: str | None
    lead: timedelta


@dataclass(frozen=True)
class AnswerRow:
    """One counterpart's answers to one digest (empty when they did not answer)."""

    user_id: str
    answered: bool
    answers: tuple[tuple[str, str], ...]


def set_questions(
    *, session: Session, actor: Actor, request: QuestionsCommand
) -> tuple[Vendor, int]:
    """Store (or remove, with no questions) the vendor check-in's questions."""
    vendor = scoped_vendor(session, actor.scope, request.vendor)
    schedule = vendor_schedule(session, vendor)
    existing = question_set(session, schedule.id or 0)
    if not request.questions:
        if existing is not None:
            session.delete(existing)
        return vendor, 0
    row = existing or CheckinQuestionSet(schedule_id=schedule.id or 0, updated_by=actor.user_id)
    row.questions = list(request.questions)
    row.lead_minutes, row.group_id, row.updated_by = (
        request.lead_minutes,
        request.group_id,
        actor.user_id,
    )
    session.add(row)
    return vendor, len(request.questions)


def _members(session: Session, vendor_id: int) -> tuple[str, ...]:
    statement = select(VendorMember.slack_id).where(
        col(VendorMember.vendor_id) == vendor_id, col(VendorMember.kind) == MEMBER_USER
    )
    return tuple(sorted(str(s) for s in session.exec(statement)))


def due_asks(*, session: Session, now: datetime) -> list[DueAsk]:
    """Return the check-ins whose next digest is within their lead time from `now`."""
    found: list[DueAsk] = []
    for row in all_question_sets(session):
        schedule = session.get(CheckinSchedule, row.schedule_id)
        vendor = session.get(Vendor, schedule.vendor_id) if schedule is not None else None
        if schedule is None or vendor is None or schedule.paused:
            continue
        fire = recurrence_from_spec(schedule.spec, schedule.timezone).next_after(now)
        lead = timedelta(minutes=row.lead_minutes)
        if fire is None or fire - lead > now:
            continue
        found.append(
            DueAsk(
                schedule_id=schedule.id or 0,
                fire_time=fire,
                vendor_slug=vendor.slug,
                vendor_name=vendor.name,
                questions=tuple(row.questions),
                user_ids=_members(session, vendor.id or 0),
                group_id=row.group_id,
                lead=lead,
            )
        )
    return found


def unanswered_to_nudge(*, session: Session, now: datetime) -> list[CheckinPrompt]:
    """Return prompts past half their lead time, still unanswered and not yet nudged."""
    rows: list[CheckinPrompt] = []
    for prompt in prompts_between(session, start=now, end=now + timedelta(days=1)):
        qset = question_set(session, prompt.schedule_id)
        if qset is None or prompt.answered_at is not None or prompt.nudged_at is not None:
            continue
        if now >= prompt.fire_time - timedelta(minutes=qset.lead_minutes) / 2:
            rows.append(prompt)
    return rows


@dataclass(frozen=True)
class PostedDigest:
    """A posted digest whose check-in asked questions: where its thread is, and the answers."""

    run_id: int
    channel_id: str
    ts: str
    rows: tuple[AnswerRow, ...]


def posted_with_answers(*, session: Session, now: datetime) -> list[PostedDigest]:
    """Return digests posted in the last day whose prompts have at least one answer."""
    statement = select(DigestRun).where(
        col(DigestRun.status) == RUN_POSTED,
        col(DigestRun.posted_ts).is_not(None),
        col(DigestRun.fire_time) >= now - timedelta(days=1),
        col(DigestRun.manual).is_(False),
    )
    found: list[PostedDigest] = []
    for run in session.exec(statement):
        asked = [
            p
            for p in prompts_between(
                session, start=run.fire_time, end=run.fire_time + timedelta(seconds=1)
            )
            if p.schedule_id == run.schedule_id
        ]
        rows = answer_rows(session, asked)
        if any(r.answered for r in rows):
            found.append(PostedDigest(run.id or 0, run.channel_id, str(run.posted_ts), tuple(rows)))
    return found


def require_prompt(
    session: Session, *, prompt_id: int, user_id: str
) -> tuple[CheckinPrompt, list[str]]:
    """Return the prompt asked of `user_id` and its questions; anyone else's reads as gone."""
    prompt = session.get(CheckinPrompt, prompt_id)
    qset = question_set(session, prompt.schedule_id) if prompt is not None else None
    if prompt is None or qset is None or prompt.user_id != user_id:
        raise NotFound("Those questions are no longer open.")
    return prompt, list(qset.questions)


def answer_prompt(
    *, session: Session, prompt_id: int, user_id: str, answers: list[str], now: datetime
) -> str:
    """Store the counterpart's answers; return the vendor slug."""
    prompt, questions = require_prompt(session, prompt_id=prompt_id, user_id=user_id)
    if prompt.fire_time <= now:
        raise UsageError("That digest has already been posted.")
    store_answers(session, prompt, list(zip(questions, answers, strict=False)), now=now)
    return prompt.vendor_slug


def answer_rows(session: Session, prompts: list[CheckinPrompt]) -> list[AnswerRow]:
    """Return each prompt's answers, in the order asked."""
    answers = answers_for(session, [p.id or 0 for p in prompts])
    return [
        AnswerRow(
            user_id=p.user_id,
            answered=p.answered_at is not None,
            answers=tuple((a.question, a.answer) for a in answers if a.prompt_id == p.id),
        )
        for p in prompts
    ]


def read_answers(
    *, session: Session, actor: Actor, request: AnswersCommand
) -> tuple[Vendor, date | None, list[AnswerRow]]:
    """Return one digest's answers for the vendor (the latest, or that day's)."""
    vendor = scoped_vendor(session, actor.scope, request.vendor)
    schedule = vendor_schedule(session, vendor)
    zone = ZoneInfo(schedule.timezone)
    prompts = [
        p
        for p in prompts_between(
            session,
            start=datetime(2000, 1, 1, tzinfo=zone),
            end=datetime(2100, 1, 1, tzinfo=zone),
            vendor_slug=vendor.slug,
        )
        if request.day is None or p.fire_time.astimezone(zone).date() == request.day
    ]
    if not prompts:
        return vendor, request.day, []
    latest = max(p.fire_time for p in prompts)
    chosen = [p for p in prompts if p.fire_time == latest]
    return vendor, latest.astimezone(zone).date(), answer_rows(session, chosen)
