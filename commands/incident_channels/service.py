"""Which SEV1s need a channel, a mirrored update, a close or an archive: queued in the outbox.

Everything is decided from stored data in one unit of work and queued under idempotency keys,
so any number of replicas sweeping at once queue each step once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.escalations import Escalation, EscalationEvent, escalation_by_id, events_for
from storage.outbox import enqueue_job
from storage.surfaces import (
    CLOSED,
    OPEN,
    IncidentChannel,
    claim_incident_channel,
    incident_channels,
)

OPEN_JOB, MIRROR_JOB = "incident_channel.open", "incident_channel.mirror"
CLOSE_JOB, ARCHIVE_JOB = "incident_channel.close", "incident_channel.archive"
LOOK_BACK = timedelta(days=1)  # turning the feature on opens no channels for old SEV1s


@dataclass(frozen=True)
class SweepResult:
    """How many steps one sweep queued."""

    opened: int = 0
    mirrored: int = 0
    closed: int = 0


def _queue_once(
    session: Session, kind: str, payload: dict[str, Any], key: str, run_at: datetime | None = None
) -> bool:
    try:
        with session.begin_nested():
            enqueue_job(session, kind=kind, payload=payload, idempotency_key=key, run_at=run_at)
    except IntegrityError:  # a replica queued the same step a moment ago
        return False
    return True


def _new_sev1s(session: Session, *, since: datetime) -> list[int]:
    taken = select(IncidentChannel.escalation_id)
    statement = select(Escalation.id).where(
        col(Escalation.severity) == 1,
        col(Escalation.key).is_not(None),
        col(Escalation.created_at) >= since,
        col(Escalation.status_category) != "done",
        col(Escalation.id).not_in(taken),
    )
    return [int(i) for i in session.exec(statement) if i is not None]


def _new_events(session: Session, record: IncidentChannel) -> list[EscalationEvent]:
    return [
        e
        for e in events_for(session, record.escalation_id)
        if (e.id or 0) > record.mirrored_event_id and e.kind != "created"
    ]


def queue_due_steps(*, session: Session, now: datetime, archive_after: timedelta) -> SweepResult:
    """Queue channel openings for new SEV1s, mirrors of new events, and closes of resolved."""
    opened = mirrored = closed = 0
    for escalation_id in _new_sev1s(session, since=now - LOOK_BACK):
        if claim_incident_channel(session, escalation_id=escalation_id):
            payload = {"escalation_id": escalation_id}
            opened += _queue_once(session, OPEN_JOB, payload, f"incident:{escalation_id}:open")
    for record in incident_channels(session, states=(OPEN,)):
        escalation = escalation_by_id(session, record.escalation_id)
        if escalation is None:
            continue
        events = _new_events(session, record)
        if events:
            upto = events[-1].id or 0
            payload = {"escalation_id": record.escalation_id, "upto": upto}
            key = f"incident:{record.escalation_id}:mirror:{upto}"
            mirrored += _queue_once(session, MIRROR_JOB, payload, key)
        if not escalation.is_open:
            payload = {"escalation_id": record.escalation_id}
            closed += _queue_once(session, CLOSE_JOB, payload, f"incident:{escalation.id}:close")
            archive_at = (escalation.resolved_at or now) + archive_after
            key = f"incident:{escalation.id}:archive"
            _queue_once(session, ARCHIVE_JOB, payload, key, run_at=archive_at)
            record.state = CLOSED
            session.add(record)
    return SweepResult(opened=opened, mirrored=mirrored, closed=closed)
