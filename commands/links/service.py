"""An issue's card facts, found by key and shown only within the channel's vendor scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.escalations.service import escalation_subject
from commands.permissions import Actor, Subject
from storage.escalations import escalation_by_key
from storage.initiatives import initiative_by_key


@dataclass(frozen=True)
class IssueCard:
    """What a preview shows of one escalation or initiative."""

    kind: str  # "escalation" | "initiative"
    key: str
    title: str
    status: str
    severity: int | None
    assignee_id: str | None
    assignee_name: str | None
    created_at: datetime
    url: str | None
    progress: str | None = None


def find_card(session: Session, *, actor: Actor, key: str) -> IssueCard | None:
    """Return the card for `key`, or None when unknown or outside the channel's scope."""
    escalation = escalation_by_key(session, key)
    if escalation is not None and escalation.key is not None:
        if not actor.sees(escalation_subject(escalation)):
            return None
        return IssueCard(
            kind="escalation",
            key=escalation.key,
            title=escalation.title,
            status=escalation.status,
            severity=escalation.severity,
            assignee_id=escalation.assignee_slack_id,
            assignee_name=escalation.assignee_name,
            created_at=escalation.created_at,
            url=escalation.url,
        )
    initiative = initiative_by_key(session, key)
    if initiative is None or initiative.key is None:
        return None
    if not actor.sees(Subject(vendors=tuple(initiative.vendors))):
        return None
    total, done = initiative.children_total, initiative.children_done
    return IssueCard(
        kind="initiative",
        key=initiative.key,
        title=initiative.title,
        status=initiative.status,
        severity=None,
        assignee_id=initiative.owner_id,
        assignee_name=None,
        created_at=initiative.created_at,
        url=initiative.url,
        progress=f"{done}/{total} stories done" if total else "no stories yet",
    )


def find_cards(session: Session, *, actor: Actor, keys: list[str]) -> dict[str, IssueCard]:
    """Return the cards of the keys this channel may see, by key as asked."""
    cards = {key: find_card(session, actor=actor, key=key) for key in keys}
    return {key: card for key, card in cards.items() if card is not None}
