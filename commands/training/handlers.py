"""`/training`, the rollout card's buttons and the Question modal: parse, check, call, answer.

Every database step runs on a worker thread (`in_worker`); Slack is called only after it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from commands.mrkdwn import clip, escape
from commands.permissions import Permissions
from commands.subcommands import Clock, SlashRequest, slash_request
from commands.training import service
from commands.training.config import TrainingConfig
from commands.training.jobs import POST, REFRESH, TrainingJobs
from commands.training.parsing import TrainingRequest, parse_training_text
from commands.training.scores import assessment_detector, score_lines
from commands.training.views import (
    ACTION_SCHEDULED,
    ACTION_TRAINED,
    BLOCK_PREFIX,
    QUESTION_BLOCK,
    QUESTION_INPUT,
    question_modal,
    render_scores,
    render_started,
    render_status,
)
from integrations.errors import NotAllowed, NotFound, UsageError
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker
from storage.training import SCHEDULED, TRAINED

_ANSWERS = {ACTION_TRAINED: TRAINED, ACTION_SCHEDULED: SCHEDULED}
EXPIRED = "This form has expired; press Question on the rollout again."


async def handle_training(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    training_config: TrainingConfig,
    directory: SlackDirectory,
    training_jobs: TrainingJobs,
    clock: Clock,
) -> None:
    """Answer `/training rollout …`, `/training status …` and `/training scores …`."""
    asked = await slash_request(
        command,
        sessions=sessions,
        permissions=permissions,
        clock=clock,
        timezone=training_config.timezone,
    )
    request = parse_training_text(asked.text, today=asked.today)
    if request.verb == "rollout":
        email = await directory.user_email(asked.user_id)
        result = await in_worker(
            sessions, lambda session: _roll_out(session, asked, request, email, training_jobs)
        )
        training_jobs.outbox.wake()
        await ack(**render_started(result))
        return
    scope = asked.actor.scope
    if request.scores is not None:
        scores = request.scores
        detector = assessment_detector(training_config.spikes)
        start, end, lines = await in_worker(
            sessions,
            lambda session: score_lines(
                session=session, scope=scope, request=scores, today=asked.today, detector=detector
            ),
        )
        await ack(**render_scores(lines, start=start, end=end))
        return
    rows = await in_worker(
        sessions,
        lambda session: service.unconfirmed(
            session=session, scope=scope, article_text=request.article, vendor_text=request.vendor
        ),
    )
    await ack(**render_status(rows, today=asked.today, title=_status_title(request)))


def _roll_out(
    session: Session,
    asked: SlashRequest,
    request: TrainingRequest,
    email: str | None,
    jobs: TrainingJobs,
) -> service.RolloutResult:
    result = service.start_rollout(
        session=session,
        scope=asked.actor.scope,
        article_text=request.article or "",
        vendor_texts=request.vendors,
        due=request.due or asked.today,
        today=asked.today,
        note=request.note,
        user_id=asked.user_id,
        email=email,
        admin=asked.actor.is_admin,
        now=asked.now,
    )
    for rollout in result.started:  # in the same transaction: a card for each, or none
        jobs.enqueue(session, POST, rollout.id or 0, key=f"{POST}:{rollout.id}")
    return result


def _status_title(request: TrainingRequest) -> str:
    title = "Rollouts not confirmed"
    if request.article:
        title += f" for {request.article}"
    if request.vendor:
        title += f" at {request.vendor}"
    return clip(title, 200)


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


def _channel(body: dict[str, Any]) -> str | None:
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id")


async def handle_answer(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    sessions: SessionFactory,
    respond: AsyncRespond,
    training_jobs: TrainingJobs,
    clock: Clock,
) -> None:
    """Record the trainer's answer (Trained / Scheduled for DATE) from the card."""
    await ack()
    answer = _ANSWERS[str(action["action_id"])]
    channel_id, user_id, now = _channel(body), str(body["user"]["id"]), clock()
    scheduled_for = _picked_day(action)

    def record(session: Session) -> date | None:
        rollout = service.record_answer(
            session=session,
            rollout_id_text=_rollout_id(action),
            channel_id=channel_id,
            user_id=user_id,
            answer=answer,
            scheduled_for=scheduled_for,
            now=now,
        )
        key = f"{REFRESH}:{rollout.id}:{now.isoformat()}:{answer}"
        training_jobs.enqueue(session, REFRESH, rollout.id or 0, key=key)
        return rollout.scheduled_for

    booked = await in_worker(sessions, record)
    training_jobs.outbox.wake()
    if answer == SCHEDULED and booked is not None:
        note = f"Thanks — scheduled for {booked:%a %d %b}."
    else:
        note = "Thanks — recorded as trained."
    await respond(text=escape(note), response_type="ephemeral", replace_original=False)


async def handle_question(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    client: AsyncWebClient,
) -> None:
    """Open the Question modal for a rollout this channel may answer."""
    await ack()
    channel_id, user_id = _channel(body), str(body["user"]["id"])
    rollout_id = _rollout_id(action)

    def check(session: Session) -> Any:
        rollout = service.answerable_rollout(
            session=session, rollout_id_text=rollout_id, channel_id=channel_id
        )
        return service.rollout_article(session=session, rollout=rollout)

    article = await in_worker(sessions, check)
    sealed = permissions.seal({"rollout": rollout_id, "channel": channel_id}, user_id=user_id)
    view = question_modal(article, metadata=json.dumps(sealed))
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def handle_question_submission(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    training_jobs: TrainingJobs,
    clock: Clock,
) -> None:
    """Store the question (scoped to the rollout's vendor) and send it to the article's owner."""
    user_id = str(body["user"]["id"])
    context = permissions.unseal(_metadata(view), user_id=user_id)
    field = (view.get("state", {}).get("values", {}).get(QUESTION_BLOCK) or {}).get(QUESTION_INPUT)
    text = str((field or {}).get("value") or "")
    now = clock()

    def ask(session: Session) -> None:
        if context is None:
            raise UsageError(EXPIRED)
        asked = service.ask_question(
            session=session,
            rollout_id_text=str(context.get("rollout") or ""),
            channel_id=context.get("channel"),
            user_id=user_id,
            text=text,
            request_key=f"view:{view['id']}",
            now=now,
        )
        if asked.new:
            training_jobs.question_jobs(session, asked)

    try:
        await in_worker(sessions, ask)
    except (UsageError, NotAllowed, NotFound) as exc:
        await ack(response_action="errors", errors={QUESTION_BLOCK: exc.user_message[:300]})
        return
    training_jobs.outbox.wake()
    await ack()


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
