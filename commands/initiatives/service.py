"""Initiative services: create, note, move, link and grow initiatives; tracker work is queued."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.risk import Risk, assess
from commands.initiatives.views import progress_note
from commands.mrkdwn import escape, escape_clip
from commands.permissions import Actor, Subject, require
from integrations.errors import NotFound, UsageError
from integrations.tracker.base import IssueFilter
from storage.escalations import escalation_by_key
from storage.initiatives import (
    FILED,
    Initiative,
    add_link,
    add_note,
    initiative_by_dedupe_key,
    initiative_by_key,
    list_initiatives,
    recount_children,
    upsert_child,
)
from storage.text import clean_text
from storage.types import utcnow

ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")


@dataclass
class InitiativeInput:
    """A validated initiative from the modal."""

    title: str
    goal: str = ""
    owner_id: str | None = None
    stakeholders: list[str] = field(default_factory=list)
    target_date: date | None = None
    vendors: list[str] = field(default_factory=list)


def local_today(desk: PlanningDesk, now: datetime) -> date:
    """Return `now`'s day in the team's time zone."""
    return now.astimezone(ZoneInfo(desk.timezone)).date()


def create_initiative(
    *,
    session: Session,
    desk: PlanningDesk,
    data: InitiativeInput,
    user_id: str,
    origin_channel_id: str | None,
    dedupe_key: str,
) -> tuple[Initiative, bool]:
    """Store the initiative and queue its announcement and epic; (initiative, new?)."""
    existing = initiative_by_dedupe_key(session, dedupe_key)
    if existing is not None:
        return existing, False
    initiative = Initiative(
        dedupe_key=dedupe_key,
        title=data.title,
        goal=data.goal,
        owner_id=data.owner_id,
        stakeholders=list(data.stakeholders),
        vendors=list(data.vendors),
        target_date=data.target_date,
        created_by=user_id,
        origin_channel_id=origin_channel_id,
        tracker=desk.tracker.name,
        channel_id=desk.channel_id or origin_channel_id,
    )
    try:
        session.add(initiative)
        session.flush()
        ident = {"initiative_id": initiative.id}
        desk.outbox.enqueue(
            session, kind="initiative.post", payload=ident, key=f"init:{initiative.id}:post"
        )
        desk.outbox.enqueue(
            session, kind="initiative.file", payload=ident, key=f"init:{initiative.id}:file"
        )
        session.commit()  # durable before anyone is told
    except IntegrityError:
        session.rollback()
        winner = initiative_by_dedupe_key(session, dedupe_key)
        if winner is None:
            raise
        return winner, False
    desk.outbox.wake()
    return initiative, True


def initiative_subject(initiative: Initiative) -> Subject:
    """Return what the permissions policy needs of a stored initiative.

    An initiative nobody was named to own is owned by whoever created it.
    """
    return Subject(
        vendors=tuple(initiative.vendors),
        reporter=initiative.created_by,
        owner=initiative.owner_id or initiative.created_by,
    )


def require_initiative(session: Session, key: str, *, actor: Actor, verb: str) -> Initiative:
    """Return the initiative with this epic key that `actor` may `verb` from this channel.

    NotFound when there is none, or when it is out of the channel's vendor scope.
    """
    if not ISSUE_KEY.match(key):
        raise UsageError(
            f"`{escape(clean_text(key)[:40])}` is not an initiative key like INIT-12.",
            usage="/initiative KEY",
        )
    initiative = initiative_by_key(session, key)
    name = f"initiative {escape_clip(key.upper(), 40)}"
    if initiative is None:
        raise NotFound(f"I know no {name}. Try `/initiative list`.")
    require(actor, "initiatives", verb, initiative_subject(initiative), what=name)
    return initiative


def scoped_vendors(actor: Actor, vendors: list[str]) -> list[str]:
    """Return the vendors a new initiative may name here: a vendor channel's own only."""
    if actor.scope.vendor is None:
        return vendors
    return actor.scope.restrict(vendors) if vendors else [actor.scope.vendor.slug]


def require_filed(initiative: Initiative) -> str:
    """Return the epic key, refusing changes while the epic is still being filed."""
    if initiative.filing_state != FILED or not initiative.key:
        raise UsageError("This initiative is still being filed; try again in a moment.")
    return initiative.key


def _queue(
    session: Session, desk: PlanningDesk, kind: str, payload: dict[str, Any], key: str
) -> None:
    desk.outbox.enqueue(session, kind=kind, payload=payload, key=key)


def queue_reply(session: Session, desk: PlanningDesk, initiative: Initiative, text: str) -> None:
    """Queue a reply in the initiative's thread (in the caller's transaction)."""
    payload = {"initiative_id": initiative.id, "text": text}
    _queue(
        session, desk, "initiative.reply", payload, f"init:{initiative.id}:reply:{uuid.uuid4().hex}"
    )


def post_update(
    *,
    session: Session,
    desk: PlanningDesk,
    initiative: Initiative,
    text: str,
    author_id: str,
    request_key: str,
    now: datetime | None = None,
) -> None:
    """Record a dated progress note; it goes to the epic as a comment and to the thread."""
    key = require_filed(initiative)
    if not text.strip():
        raise UsageError("Say what progressed.", usage="/initiative KEY update TEXT")
    at = now or utcnow()
    add_note(session, initiative, text=text, author=author_id, at=at)
    day = local_today(desk, at).isoformat()
    body = {"initiative_id": initiative.id, "text": f"Progress {day} (by {author_id}): {text}"}
    _queue(session, desk, "initiative.comment", body, f"init:{key}:comment:{request_key}")
    note = progress_note(day=day, author_id=author_id, text=text)
    queue_reply(session, desk, initiative, note)
    session.commit()
    desk.outbox.wake()


def change_status(
    *, session: Session, desk: PlanningDesk, initiative: Initiative, status: str, request_key: str
) -> None:
    """Queue a workflow transition of the epic (by transition or status name)."""
    key = require_filed(initiative)
    if not status.strip():
        raise UsageError("Name the new status.", usage='/initiative KEY status "In Progress"')
    body = {"initiative_id": initiative.id, "status": status.strip()}
    _queue(session, desk, "initiative.transition", body, f"init:{key}:status:{request_key}")
    session.commit()
    desk.outbox.wake()


def link_escalation(
    *,
    session: Session,
    desk: PlanningDesk,
    initiative: Initiative,
    issue_key: str,
    user_id: str,
    actor: Actor,
) -> None:
    """Keep an escalation as evidence for the initiative and link the two issues."""
    key = require_filed(initiative)
    if not ISSUE_KEY.match(issue_key):
        raise UsageError("Name an issue key.", usage="/initiative KEY link ESC-123")
    escalation = escalation_by_key(session, issue_key)
    name = f"escalation {escape_clip(issue_key.upper(), 40)}"
    if escalation is None:
        raise NotFound(f"I know no {name}.")
    # The evidence must be visible from here too: no linking another vendor's escalation.
    require(actor, "escalations", "view", Subject(vendors=_vendors_of(escalation)), what=name)
    add_link(session, initiative, issue_key=issue_key, added_by=user_id)
    add_note(session, initiative, kind="link", text=issue_key.upper(), author=user_id)
    body = {"initiative_id": initiative.id, "issue_key": issue_key.upper()}
    _queue(session, desk, "initiative.link", body, f"init:{key}:link:{issue_key.upper()}")
    queue_reply(session, desk, initiative, f"🔗 Escalation {issue_key.upper()} linked as evidence.")
    session.commit()
    desk.outbox.wake()


def _vendors_of(escalation: Any) -> tuple[str, ...]:
    return (escalation.vendor,) if escalation.vendor else ()


def add_child(
    *,
    session: Session,
    desk: PlanningDesk,
    initiative: Initiative,
    summary: str,
    user_id: str,
    request_key: str,
) -> None:
    """Queue a story under the epic."""
    key = require_filed(initiative)
    if not summary.strip():
        raise UsageError("Give the story a summary.", usage='/initiative KEY child "summary"')
    body = {"initiative_id": initiative.id, "summary": summary.strip()[:255], "by": user_id}
    _queue(session, desk, "initiative.child", body, f"init:{key}:child:{request_key}")
    session.commit()
    desk.outbox.wake()


async def refresh_progress(*, session: Session, desk: PlanningDesk, initiative: Initiative) -> None:
    """Count done/total children by asking the tracker for `parent = KEY`."""
    key = require_filed(initiative)
    issues = await desk.tracker.search(IssueFilter(parent_key=key), limit=200)
    for found in issues:
        # A search answer without fields (the status reads "?") is completed issue by issue.
        issue = found if found.status != "?" else await desk.tracker.get_issue(found.key)
        upsert_child(
            session,
            initiative,
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            status_category=issue.status_category,
        )
    recount_children(session, initiative)


def assess_now(desk: PlanningDesk, initiative: Initiative, now: datetime) -> Risk:
    """Judge the initiative with the desk's thresholds."""
    return assess(
        initiative,
        now=now,
        today=local_today(desk, now),
        near_days=desk.near_days,
        stale_days=desk.stale_days,
    )


def select_initiatives(
    *,
    session: Session,
    desk: PlanningDesk,
    mode: str,
    user_id: str,
    vendor: str | None,
    allowed: Any,
    now: datetime,
) -> list[tuple[Initiative, Risk]]:
    """Return open initiatives for `/initiative list [mine|at-risk|vendor:…]` with verdicts."""
    rows = list_initiatives(session, owner_id=user_id if mode == "mine" else None)
    out: list[tuple[Initiative, Risk]] = []
    for initiative in rows:
        slugs = [v.lower() for v in initiative.vendors]
        if vendor is not None and vendor.lower() not in slugs:
            continue
        if not allowed(slugs):
            continue
        risk = assess_now(desk, initiative, now)
        if mode == "at-risk" and not risk.at_risk:
            continue
        out.append((initiative, risk))
    return out
