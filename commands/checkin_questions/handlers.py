"""`/checkin questions|answers`, the Answer button and its modal: parse, call, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from commands.checkin_questions.parsing import is_ours, parse_answers, parse_questions
from commands.checkin_questions.service import (
    answer_prompt,
    read_answers,
    require_prompt,
    set_questions,
)
from commands.checkin_questions.views import answer_modal, answers_answer, thanks_modal, vendor_note
from commands.home.parsing import metadata, row_id
from commands.mrkdwn import escape
from commands.permissions import Permissions, require
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker

EXPIRED = "This form has expired; use the Answer button again."


async def is_questions_command(body: dict[str, Any]) -> bool:
    """Bolt matcher: the `/checkin` forms this package answers (before the check-in family)."""
    return is_ours(str(body.get("text") or ""))


async def handle_checkin_questions(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
) -> None:
    """`/checkin questions VENDOR "Q" …` (admins) and `/checkin answers VENDOR [day]`."""
    text = str(command.get("text") or "")
    actor = await permissions.actor(
        sessions, user_id=str(command["user_id"]), channel_id=command.get("channel_id")
    )
    if text.split()[0].lower() == "answers":
        require(actor, "checkins", "view")
        request = parse_answers(text)
        vendor, day, rows = await in_worker(
            sessions, lambda s: read_answers(session=s, actor=actor, request=request)
        )
        await ack(**answers_answer(vendor.name, day, rows))
        return
    require(actor, "checkins", "manage")
    questions = parse_questions(text)
    vendor, count = await in_worker(
        sessions, lambda s: set_questions(session=s, actor=actor, request=questions)
    )
    said = (
        f"The {escape(vendor.name)} check-in asks {count} question(s), "
        f"{questions.lead_minutes} min before each digest."
        if count
        else f"The {escape(vendor.name)} check-in asks no questions any more."
    )
    await ack(**vendor_note(said))


async def open_answer(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    sessions: SessionFactory,
    permissions: Permissions,
) -> None:
    """Answer: open the questions as a modal, for the counterpart they were sent to only."""
    await ack()
    user_id = str((body.get("user") or {}).get("id") or "")
    prompt_id = row_id(action, "check-in question")
    _, questions = await in_worker(
        sessions, lambda s: require_prompt(s, prompt_id=prompt_id, user_id=user_id)
    )
    sealed = json.dumps(permissions.seal({"prompt": prompt_id}, user_id=user_id))
    await client.views_open(
        trigger_id=body["trigger_id"], view=answer_modal(questions=questions, metadata=sealed)
    )


async def submit_answer(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    clock: Callable[[], datetime],
) -> None:
    """Store the answers (replacing earlier ones) until the digest is posted."""
    user_id = str((body.get("user") or {}).get("id") or "")
    sealed = permissions.unseal(metadata(view), user_id=user_id)
    if sealed is None or not isinstance(sealed.get("prompt"), int):
        await ack(response_action="errors", errors={"q0": EXPIRED})
        return
    values = view["state"]["values"]
    answers = [
        str(((values.get(f"q{i}") or {}).get("value") or {}).get("value") or "").strip()
        for i in range(len(values))
    ]
    now = clock()
    try:
        await in_worker(
            sessions,
            lambda s: answer_prompt(
                session=s, prompt_id=sealed["prompt"], user_id=user_id, answers=answers, now=now
            ),
        )
    except UsageError as exc:
        await ack(response_action="errors", errors={"q0": exc.user_message[:150]})
        return
    await ack(response_action="update", view=thanks_modal())
