"""Escalation services: file, change and list escalations; tracker work goes to the outbox."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from commands.escalations.model import EscalationInput, PolicyAreas
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, may, require
from integrations.errors import NotFound, UsageError
from integrations.outbox import OutboxWorker
from integrations.tracker.base import Tracker
from storage.escalations import (
    FILED,
    Escalation,
    escalation_by_dedupe_key,
    escalation_by_id,
    escalation_by_key,
    recent_duplicate,
    record_event,
)
from storage.types import utcnow

DUPLICATE_WINDOW = timedelta(minutes=10)
# Status names that are a resolve whatever the workflow says; the tracker's category is
# checked again when the change is made (commands/escalations/jobs_changes.py).
DONE_NAMES = frozenset({"done", "resolved", "resolve", "closed", "close", "fixed", "complete"})
RESOLVE_INSTEAD = (
    "Moving an escalation to a done status resolves it: use Resolve (or "
    "`/escalation KEY resolve ROOT CAUSE`), which needs the root cause and is for the "
    "reporter, the assignee or an opsbot admin."
)
NOT_CONFIGURED = "_Jira is not configured: escalations live in opsbot's local tracker._"


@dataclass
class EscalationDesk:
    """Everything escalation handlers and jobs share: tracker, outbox and configuration."""

    tracker: Tracker
    outbox: OutboxWorker
    areas: PolicyAreas
    project: str
    channel_id: str | None
    issue_type: str = "Task"
    root_cause_field: str | None = None
    components_by_area: dict[str, list[str]] = field(default_factory=dict)
    custom_fields: dict[str, str] = field(default_factory=dict)

    @property
    def jira(self) -> bool:
        """Tell whether escalations go to Jira (else the local tracker)."""
        return self.tracker.name == "jira"

    def footer(self) -> str | None:
        """Return the note every answer carries when Jira is not configured."""
        return None if self.jira else NOT_CONFIGURED


def domain_key(*, reporter_id: str, data: EscalationInput) -> str:
    """Return reporter+title+area+severity+vendor hashed, bucketed in the duplicate window."""
    bucket = int(utcnow().timestamp() // DUPLICATE_WINDOW.total_seconds())
    # The vendor is part of the key: the same title about two vendors is two escalations.
    vendor = (data.vendor or "").lower()
    raw = f"{reporter_id}|{data.title.strip().lower()}|{data.area}|{data.severity}|{vendor}"
    return f"fp:{hashlib.sha256(raw.encode()).hexdigest()[:32]}:{bucket}"


def file_escalation(
    *,
    session: Session,
    desk: EscalationDesk,
    data: EscalationInput,
    reporter_id: str,
    reporter_name: str,
    origin_channel_id: str | None,
    dedupe_key: str,
    source_permalink: str | None = None,
) -> tuple[Escalation, bool]:
    """Store the escalation and queue its Slack post and tracker filing; (escalation, new?).

    The same dedupe key, or the same reporter, title and vendor within ten minutes, returns
    the escalation already filed: one issue per escalation however often the request arrives.
    A match about another vendor never counts (nor is it shown): scopes never meet here.
    """
    existing = escalation_by_dedupe_key(session, dedupe_key) or recent_duplicate(
        session,
        reporter_id=reporter_id,
        title=data.title,
        vendor=data.vendor,
        within=DUPLICATE_WINDOW,
    )
    if existing is not None:
        return existing, False
    escalation = Escalation(
        title=data.title,
        description=data.description,
        area=data.area,
        severity=data.severity,
        vendor=data.vendor,
        affected_accounts=data.affected_accounts,
        links="\n".join(data.links),
        reporter_id=reporter_id,
        reporter_name=reporter_name,
        origin_channel_id=origin_channel_id,
        source_permalink=source_permalink,
        dedupe_key=dedupe_key,
        tracker=desk.tracker.name,
        channel_id=desk.channel_id or origin_channel_id,
    )
    try:
        session.add(escalation)
        session.flush()
        record_event(session, escalation, kind="created", to_value=data.title, actor=reporter_name)
        ident = {"escalation_id": escalation.id}
        desk.outbox.enqueue(
            session,
            kind="escalation.post",
            payload=ident,
            key=f"esc:{escalation.id}:post",
            fresh=True,
        )
        desk.outbox.enqueue(
            session,
            kind="escalation.file",
            payload=ident,
            key=f"esc:{escalation.id}:file",
            fresh=True,
        )
        # Commit now, before any await: the work is durable before the lead is told.
        session.commit()
    except IntegrityError:
        session.rollback()
        winner = escalation_by_dedupe_key(session, dedupe_key)
        if winner is None:
            raise
        return winner, False
    desk.outbox.wake()
    return escalation, True


def escalation_subject(escalation: Escalation) -> Subject:
    """Return what the permissions policy needs of a stored escalation."""
    return Subject(
        vendors=(escalation.vendor,) if escalation.vendor else (),
        reporter=escalation.reporter_id,
        assignee=escalation.assignee_slack_id,
    )


def require_escalation(
    session: Session,
    *,
    actor: Actor,
    verb: str,
    key: str | None = None,
    escalation_id: int | None = None,
) -> Escalation:
    """Load the escalation (by key or id) and check that `actor` may `verb` it from here.

    Out of the channel's scope reads like no escalation at all: the title is never shown.
    """
    escalation = (
        escalation_by_key(session, key)
        if key is not None
        else escalation_by_id(session, escalation_id)
        if escalation_id is not None
        else None
    )
    name = f"escalation {escape_clip(key.upper(), 40)}" if key else "such escalation"
    if escalation is None:
        raise NotFound(f"I know no {name}.")
    require(actor, "escalations", verb, escalation_subject(escalation), what=name)
    return escalation


def is_done_status(status: str) -> bool:
    """Tell whether a status name plainly means done (the tracker's category decides later)."""
    return status.strip().casefold() in DONE_NAMES


def refuse_done_status(status: str) -> None:
    """Refuse a status change to a done status: that is a resolve, with its root cause."""
    if is_done_status(status):
        raise UsageError(RESOLVE_INSTEAD)


def queue_change(
    *,
    session: Session,
    desk: EscalationDesk,
    escalation: Escalation,
    kind: str,
    payload: dict[str, Any],
    request_key: str | None,
) -> None:
    """Queue one tracker change (comment, status, assign, resolve) for the outbox, once."""
    if kind not in ("comment", "transition", "assign", "resolve"):
        raise ValueError(kind)
    key = f"esc:{escalation.id}:{kind}:{request_key or uuid.uuid4().hex}"
    body = {"escalation_id": escalation.id, **payload}
    desk.outbox.enqueue(session, kind=f"escalation.{kind}", payload=body, key=key)
    session.commit()
    desk.outbox.wake()


def acknowledge_escalation(
    *,
    session: Session,
    desk: EscalationDesk,
    escalation: Escalation,
    actor: Actor,
    base: dict[str, Any],
    request_key: str,
) -> list[str]:
    """Acknowledge once: a new escalation moves in progress; return what was queued.

    Acknowledging never reassigns, and assigns the clicker only to an unassigned escalation
    and only when they may assign: so it never hands anyone the right to resolve.
    """
    queued: list[str] = []
    subject = escalation_subject(escalation)
    if escalation.assignee_slack_id is None and may(actor, "escalations", "assign", subject):
        payload = {**base, "assignee": actor.user_id}
        queue_change(
            session=session,
            desk=desk,
            escalation=escalation,
            kind="assign",
            payload=payload,
            request_key=f"ack:{escalation.id}",
        )
        queued.append("assign")
    if escalation.status_category == "new":
        queue_change(
            session=session,
            desk=desk,
            escalation=escalation,
            kind="transition",
            payload={**base, "status": "In Progress"},
            request_key=f"ack:{escalation.id}",
        )
        queued.append("transition")
    return queued


def require_filed(escalation: Escalation) -> None:
    """Refuse a change the tracker cannot take yet (the issue is still being filed)."""
    if escalation.filing_state != FILED or not escalation.key:
        raise UsageError("This escalation is still being filed; try again in a moment.")
