"""Changes to an escalation (comment, status, assign, resolve, acknowledge) as outbox work.

Every change is checked against the stored escalation and the permissions matrix here, and
queued in the caller's unit of work; the outbox job makes it in the tracker. Nothing here
knows Slack: the handlers parse, call and render.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session

from commands.escalations.parsing import ChangeRequest
from commands.escalations.service import (
    RESOLVE_INSTEAD,
    EscalationDesk,
    escalation_subject,
    is_done_status,
    require_escalation,
)
from commands.escalations.statuses import available_transitions, checked_status
from commands.permissions import Actor, may
from integrations.errors import UsageError
from storage.engine import SessionFactory, in_worker
from storage.escalations import (
    Escalation,
    EscalationReply,
    escalation_by_id,
    escalation_by_message,
    has_event,
    record_event,
    remember_reply,
    reply_at,
)

KIND_BY_VERB = {"comment": "comment", "status": "transition", "assign": "assign"}
ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class Change:
    """A change queued: the escalation as it was checked, the job kind and its payload."""

    escalation: Escalation
    kind: str  # comment | transition | assign | resolve
    payload: dict[str, Any]


def policy_verb(request: ChangeRequest) -> str:
    """Return the permissions verb of a request: a move to a done status is a resolve."""
    if request.verb == "status" and is_done_status(request.value):
        return "resolve"
    return request.verb


def plan_change(*, session: Session, actor: Actor, request: ChangeRequest, author: str) -> Change:
    """Load the escalation, check that `actor` may make the change from here, build the job."""
    escalation = require_escalation(
        session,
        actor=actor,
        verb=policy_verb(request),
        key=request.key,
        escalation_id=request.escalation_id,
    )
    if request.verb == "status" and is_done_status(request.value):
        raise UsageError(RESOLVE_INSTEAD)
    base = {"author": author, "user": actor.user_id, "channel": actor.channel_id}
    field = {"comment": "text", "status": "status", "assign": "assignee"}.get(
        request.verb, "root_cause"
    )
    payload = {**base, field: request.value}
    if request.verb == "resolve" and request.root_cause_kind:
        payload["root_cause_kind"] = request.root_cause_kind
    return Change(escalation, KIND_BY_VERB.get(request.verb, "resolve"), payload)


def queue_change(
    *,
    session: Session,
    desk: EscalationDesk,
    escalation: Escalation,
    kind: str,
    payload: dict[str, Any],
    request_key: str | None,
) -> None:
    """Queue one tracker change for the outbox in the caller's unit of work, once per key."""
    if kind not in ("comment", "transition", "assign", "resolve"):
        raise ValueError(kind)
    key = f"esc:{escalation.id}:{kind}:{request_key or uuid.uuid4().hex}"
    body = {"escalation_id": escalation.id, **payload}
    desk.outbox.enqueue(session, kind=f"escalation.{kind}", payload=body, key=key)


async def change_escalation(
    *,
    sessions: SessionFactory,
    desk: EscalationDesk,
    actor: Actor,
    request: ChangeRequest,
    author: str,
    request_key: str | None,
) -> Change:
    """Make one change: checked, a status checked against the workflow, then queued.

    No session is open while the tracker is asked for its transitions.
    """
    change = await in_worker(
        sessions,
        lambda session: plan_change(session=session, actor=actor, request=request, author=author),
    )
    if change.kind == "transition":
        available = await available_transitions(desk, change.escalation)
        # A typo is refused with the valid list here, before anything is queued.
        status = checked_status(change.escalation, available, request.value)
        if any(t.to_status == status and t.to_category == "done" for t in available or ()):
            raise UsageError(RESOLVE_INSTEAD)  # done by the workflow's own category
        request = replace(request, value=status)

    def commit(session: Session) -> Change:
        # Checked again: the escalation may have moved since the plan above.
        final = plan_change(session=session, actor=actor, request=request, author=author)
        queue_change(
            session=session,
            desk=desk,
            escalation=final.escalation,
            kind=final.kind,
            payload=final.payload,
            request_key=request_key,
        )
        return final

    return await desk.run(sessions, commit)


@dataclass(frozen=True)
class Acknowledgement:
    """What an Acknowledge click did: the escalation, what was queued, or that it was done."""

    escalation: Escalation
    queued: tuple[str, ...] = ()
    already: bool = False


def acknowledge_escalation(
    *, session: Session, desk: EscalationDesk, actor: Actor, escalation_id: int, author: str
) -> Acknowledgement:
    """Acknowledge once: a new escalation moves in progress; later clicks change nothing.

    Acknowledging never reassigns, and assigns the clicker only to an unassigned escalation
    and only when they may assign: so it never hands anyone the right to resolve.
    """
    escalation = require_escalation(
        session, actor=actor, verb="acknowledge", escalation_id=escalation_id
    )
    if has_event(session, escalation_id, ACKNOWLEDGED):
        return Acknowledgement(escalation, already=True)
    record_event(session, escalation, kind=ACKNOWLEDGED, actor=author)
    base = {"author": author, "user": actor.user_id, "channel": actor.channel_id}
    queued: list[str] = []
    subject = escalation_subject(escalation)
    if escalation.assignee_slack_id is None and may(actor, "escalations", "assign", subject):
        queued.append("assign")
        queue_change(
            session=session,
            desk=desk,
            escalation=escalation,
            kind="assign",
            payload={**base, "assignee": actor.user_id},
            request_key=f"ack:{escalation.id}",
        )
    if escalation.status_category == "new":
        queued.append("transition")
        queue_change(
            session=session,
            desk=desk,
            escalation=escalation,
            kind="transition",
            payload={**base, "status": "In Progress"},
            request_key=f"ack:{escalation.id}",
        )
    return Acknowledgement(escalation, tuple(queued))


NOT_A_THREAD = "That message is not in an escalation's thread."


def comment_from_thread(
    *,
    session: Session,
    desk: EscalationDesk,
    actor: Actor,
    thread_ts: str | None,
    ts: str | None,
    author: str,
    text: str,
) -> Escalation:
    """Send a reply in an escalation's thread to the tracker as a comment, once per message."""
    channel_id = str(actor.channel_id)
    escalation = escalation_by_message(session, channel_id, str(thread_ts)) if thread_ts else None
    if escalation is None or thread_ts == ts:
        raise UsageError(NOT_A_THREAD)
    require_escalation(session, actor=actor, verb="comment", escalation_id=escalation.id)
    queue_change(
        session=session,
        desk=desk,
        escalation=escalation,
        kind="comment",
        payload={"author": author, "text": text, "user": actor.user_id, "channel": channel_id},
        request_key=f"msg:{channel_id}:{ts}",
    )
    return escalation


def is_thread_reply(session: Session, *, channel_id: str, thread_ts: str) -> bool:
    """Tell whether (channel, thread) is an escalation's thread."""
    return escalation_by_message(session, channel_id, thread_ts) is not None


def keep_reply(
    session: Session, *, channel_id: str, thread_ts: str, ts: str, user_id: str | None, text: str
) -> None:
    """Keep a reply in an escalation's thread so that a 📝 reaction can send it later."""
    escalation = escalation_by_message(session, channel_id, thread_ts)
    if escalation is not None:
        remember_reply(
            session, escalation, channel_id=channel_id, ts=ts, user_id=user_id, text=text
        )


def kept_reply(session: Session, *, channel_id: str, ts: str) -> EscalationReply | None:
    """Return the kept reply at (channel, ts) whose escalation still exists."""
    reply = reply_at(session, channel_id, ts)
    if reply is None or escalation_by_id(session, reply.escalation_id) is None:
        return None
    return reply


def comment_from_reply(
    *, session: Session, desk: EscalationDesk, actor: Actor, reply: EscalationReply, author: str
) -> bool:
    """Send a kept reply to the tracker when `actor` may comment from its channel; sent?"""
    escalation = escalation_by_id(session, reply.escalation_id)
    if escalation is None or not may(
        actor, "escalations", "comment", escalation_subject(escalation)
    ):
        return False  # an event has nobody to answer; out of scope is simply not sent
    queue_change(
        session=session,
        desk=desk,
        escalation=escalation,
        kind="comment",
        payload={
            "author": author,
            "text": reply.text,
            "user": actor.user_id,
            "channel": reply.channel_id,
        },
        request_key=f"msg:{reply.channel_id}:{reply.ts}",
    )
    return True
