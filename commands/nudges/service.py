"""Which stale work is due a nudge now, and whom it goes to (no Slack, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from commands.nudges.parsing import NudgePolicy
from storage.escalations import (
    Escalation,
    EscalationEvent,
    escalation_by_id,
    list_escalations,
)
from storage.initiatives import Initiative, list_initiatives


@dataclass(frozen=True)
class Nudge:
    """One nudge: the rule, the item, the interval it is for, where it goes, what it says."""

    rule: str
    item_key: str  # the item and the moment its staleness counts from
    slot: int  # how many intervals have passed: one nudge each
    owner_id: str | None  # DM this person, in their day hours
    channel_id: str | None  # else post here (the item's own thread)
    thread_ts: str | None
    key: str
    title: str
    why: str


def _slot(since: datetime, now: datetime, after: timedelta) -> int:
    return int((now - since) / after)


def _escalation_nudges(
    escalation: Escalation, *, now: datetime, policy: NudgePolicy
) -> list[Nudge]:
    found: list[Nudge] = []
    rules: list[tuple[str, datetime, str]] = []
    sev = escalation.severity
    if sev == 1 and escalation.assignee_slack_id is None:
        rules.append(("sev1_unassigned", escalation.created_at, "SEV1 still unassigned"))
    if sev in (1, 2):
        rules.append((f"sev{sev}_silent", escalation.updated_at, f"SEV{sev} with no update"))
    for rule, since, why in rules:
        after = policy.after.get(rule)
        if after is None or now - since < after:
            continue
        found.append(
            _nudge(
                escalation,
                rule=rule,
                item_key=f"{escalation.id}@{int(since.timestamp())}",
                owner_id=escalation.assignee_slack_id,
                since=since,
                now=now,
                after=after,
                why=why,
            )
        )
    return found


def _initiative_nudge(initiative: Initiative, *, now: datetime, after: timedelta) -> Nudge | None:
    since = initiative.last_update_at
    if now - since < after:
        return None
    return _nudge(
        initiative,
        rule="initiative_stale",
        item_key=f"i{initiative.id}@{int(since.timestamp())}",
        owner_id=initiative.owner_id,
        since=since,
        now=now,
        after=after,
        why="no progress note",
    )


def _nudge(
    item: Escalation | Initiative,
    *,
    rule: str,
    item_key: str,
    owner_id: str | None,
    since: datetime,
    now: datetime,
    after: timedelta,
    why: str,
) -> Nudge:
    """The nudge for `item`, stale since `since`: it goes to its thread, `why` says how long."""
    return Nudge(
        rule=rule,
        item_key=item_key,
        slot=_slot(since, now, after),
        owner_id=owner_id,
        channel_id=item.channel_id,
        thread_ts=item.message_ts,
        key=item.display_key,
        title=item.title,
        why=f"{why} for {_hours((now - since).total_seconds() / 3600)}",
    )


def due_nudges(*, session: Session, now: datetime, policy: NudgePolicy) -> list[Nudge]:
    """Return every nudge due now: open SEV1/SEV2 escalations and stale initiatives."""
    nudges: list[Nudge] = []
    for escalation in list_escalations(session, limit=1000):
        if escalation.severity <= 2 and escalation.key is not None:
            nudges.extend(_escalation_nudges(escalation, now=now, policy=policy))
    after = policy.after.get("initiative_stale")
    if after is not None:
        for initiative in list_initiatives(session):
            nudge = _initiative_nudge(initiative, now=now, after=after)
            if nudge is not None and initiative.key is not None:
                nudges.append(nudge)
    return [n for n in nudges if n.owner_id or n.channel_id]


ASSIGNED_WITHIN = timedelta(hours=1)  # older assignments (say, before an upgrade) send nothing


def new_assignments(*, session: Session, now: datetime) -> list[tuple[int, Escalation]]:
    """Return (event id, escalation) for recent assignments to someone known in Slack."""
    statement = (
        select(EscalationEvent)
        .where(
            col(EscalationEvent.kind) == "assignee",
            col(EscalationEvent.at) >= now - ASSIGNED_WITHIN,
            col(EscalationEvent.at) <= now,
        )
        .order_by(col(EscalationEvent.id))
    )
    found: list[tuple[int, Escalation]] = []
    for event in session.exec(statement):
        escalation = escalation_by_id(session, event.escalation_id)
        if escalation is not None and escalation.assignee_slack_id and escalation.is_open:
            found.append((event.id or 0, escalation))
    return found


def _hours(hours: float) -> str:
    if hours < 2:
        return f"{round(hours * 60)} min"
    return f"{round(hours)} h" if hours < 48 else f"{round(hours / 24)} days"
