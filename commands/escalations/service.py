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
from integrations.errors import NotAllowed, NotFound, UsageError
from integrations.outbox import OutboxWorker
from integrations.tracker.base import Tracker
from storage.escalations import (
    FILED,
    Escalation,
    escalation_by_dedupe_key,
    escalation_by_key,
    recent_duplicate,
    record_event,
)
from storage.types import utcnow

DUPLICATE_WINDOW = timedelta(minutes=10)
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
    """Return reporter+title+area+severity hashed, bucketed in the duplicate window."""
    bucket = int(utcnow().timestamp() // DUPLICATE_WINDOW.total_seconds())
    raw = f"{reporter_id}|{data.title.strip().lower()}|{data.area}|{data.severity}"
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

    The same dedupe key, or the same reporter and title within ten minutes, returns the
    escalation already filed: one issue per escalation however often the request arrives.
    """
    existing = escalation_by_dedupe_key(session, dedupe_key) or recent_duplicate(
        session, reporter_id=reporter_id, title=data.title, within=DUPLICATE_WINDOW
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


def require_escalation(session: Session, key: str) -> Escalation:
    """Return the escalation with this issue key or raise NotFound."""
    escalation = escalation_by_key(session, key)
    if escalation is None:
        raise NotFound(f"I know no escalation {escape_clip(key.upper(), 40)}.")
    return escalation


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


async def check_may_resolve(*, escalation: Escalation, user_id: str, admins: Any) -> None:
    """Allow the reporter, the assignee or an admin to resolve; refuse anyone else."""
    if user_id in (escalation.reporter_id, escalation.assignee_slack_id):
        return
    if await admins.is_admin(user_id):
        return
    raise NotAllowed("Only the reporter, the assignee or an opsbot admin can resolve this.")


def require_filed(escalation: Escalation) -> None:
    """Refuse a change the tracker cannot take yet (the issue is still being filed)."""
    if escalation.filing_state != FILED or not escalation.key:
        raise UsageError("This escalation is still being filed; try again in a moment.")
