"""`/training` and the rollout card's buttons: parse, check, call the service, answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

from commands.authz import AdminPolicy
from commands.errors import UsageError
from commands.kb.handlers import team_today
from commands.mrkdwn import clip, escape
from commands.scope import scope_for_channel
from commands.training import service
from commands.training.jobs import POST, REFRESH, TrainingJobs
from commands.training.parsing import parse_training_text
from commands.training.scores import score_lines
from commands.training.views import (
    ACTION_QUESTION,
    ACTION_SCHEDULED,
    ACTION_TRAINED,
    BLOCK_PREFIX,
    render_scores,
    render_started,
    render_status,
)
from integrations.slack_directory import SlackDirectory
from storage.training import QUESTION, SCHEDULED, TRAINED

Clock = Callable[[], datetime]
_ANSWERS = {ACTION_TRAINED: TRAINED, ACTION_SCHEDULED: SCHEDULED, ACTION_QUESTION: QUESTION}


async def handle_training(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    directory: SlackDirectory,
    admins: AdminPolicy,
    training_jobs: TrainingJobs,
    clock: Clock,
) -> None:
    """Answer `/training rollout …`, `/training status …` and `/training scores …`."""
    today = team_today(clock, settings.opsbot_timezone)
    request = parse_training_text(command.get("text", ""), today=today)
    scope = scope_for_channel(db, command.get("channel_id"))
    user_id = str(command["user_id"])
    if request.verb == "rollout":
        result = service.start_rollout(
            session=db,
            scope=scope,
            article_text=request.article or "",
            vendor_texts=request.vendors,
            due=request.due or today,
            today=today,
            note=request.note,
            user_id=user_id,
            email=await directory.user_email(user_id),
            admin=await admins.is_admin(user_id),
            now=clock(),
        )
        for rollout in result.started:
            training_jobs.enqueue(db, POST, rollout.id or 0, key=f"{POST}:{rollout.id}")
        db.commit()  # the worker reads the rollouts from its own session
        training_jobs.outbox.wake()
        await ack(**render_started(result))
        return
    if request.scores is not None:
        start, end, lines = score_lines(
            session=db, scope=scope, request=request.scores, today=today
        )
        await ack(**render_scores(lines, start=start, end=end))
        return
    rows = service.unconfirmed(
        session=db, scope=scope, article_text=request.article, vendor_text=request.vendor
    )
    title = "Rollouts not confirmed"
    if request.article:
        title += f" for {request.article}"
    if request.vendor:
        title += f" at {request.vendor}"
    await ack(**render_status(rows, today=today, title=clip(title, 200)))


def _rollout_id(action: dict[str, Any]) -> str:
    value = str(action.get("value") or "")
    if value:
        return value
    return str(action.get("block_id") or "").removeprefix(BLOCK_PREFIX)


def _picked_day(action: dict[str, Any]) -> date | None:
    picked = action.get("selected_date")
    if not picked:
        return None
    try:
        return date.fromisoformat(str(picked))
    except ValueError:
        raise UsageError("That is not a day I can read.") from None


async def handle_answer(
    ack: Any,
    body: dict[str, Any],
    action: dict[str, Any],
    db: Session,
    respond: AsyncRespond,
    training_jobs: TrainingJobs,
    clock: Clock,
) -> None:
    """Record the trainer's answer (Trained / Scheduled for DATE / Question) from the card."""
    await ack()
    answer = _ANSWERS[str(action["action_id"])]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    user_id = str(body["user"]["id"])
    now = clock()
    rollout = service.record_answer(
        session=db,
        rollout_id_text=_rollout_id(action),
        channel_id=channel_id,
        user_id=user_id,
        answer=answer,
        scheduled_for=_picked_day(action),
        now=now,
    )
    refresh_key = f"{REFRESH}:{rollout.id}:{now.isoformat()}:{answer}"
    training_jobs.enqueue(db, REFRESH, rollout.id or 0, key=refresh_key)
    if answer == QUESTION:
        training_jobs.question_note(db, rollout, user_id)
    db.commit()
    training_jobs.outbox.wake()
    if answer == SCHEDULED and rollout.scheduled_for is not None:
        note = f"Thanks — scheduled for {rollout.scheduled_for:%a %d %b}."
    elif answer == QUESTION:
        note = "Thanks — the rollout's owner is asked to answer in the thread."
    else:
        note = "Thanks — recorded as trained."
    await respond(text=escape(note), response_type="ephemeral", replace_original=False)
