"""Initiative services: create, note, move, link and grow initiatives; tracker work is queued."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from commands.escalations.service import require_escalation
from commands.initiatives.desk import PlanningDesk
from commands.initiatives.risk import Risk, assess
from commands.initiatives.views import progress_note
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, may, require
from integrations.errors import NotFound, UsageError
from integrations.tracker.filing import create_then_queue
from storage.engine import SessionFactory, in_worker
from storage.initiatives import (
    Initiative,
    add_link,
    add_note,
    child_by_key,
    initiative_by_dedupe_key,
    initiative_by_id,
    initiative_by_key,
)
from storage.text import clean_text

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
    """Store the initiative and queue its announcement and epic; (initiative, new?).

    Nobody named as owner means the filer owns it (so `list mine` finds it). A second
    submission under the same key finds the first, and so does the loser of a race between
    two (its unit of work is rolled back).
    """
    existing = initiative_by_dedupe_key(session, dedupe_key)
    if existing is not None:
        return existing, False
    initiative = Initiative(
        dedupe_key=dedupe_key,
        title=data.title,
        goal=data.goal,
        owner_id=data.owner_id or user_id,
        stakeholders=list(data.stakeholders),
        vendors=list(data.vendors),
        target_date=data.target_date,
        created_by=user_id,
        origin_channel_id=origin_channel_id,
        tracker=desk.tracker.name,
        channel_id=desk.channel_id or origin_channel_id,
    )
    return create_then_queue(
        session, desk.outbox, initiative, family="initiative", key_prefix="init"
    )


async def create_once(
    sessions: SessionFactory, create: Callable[[Session], tuple[Initiative, bool]], dedupe_key: str
) -> tuple[Initiative, bool]:
    """Run `create` in a unit of work; a race lost at commit reads the winner instead."""
    try:
        return await in_worker(sessions, create)
    except IntegrityError:
        winner = await in_worker(sessions, lambda s: initiative_by_dedupe_key(s, dedupe_key))
        if winner is None:
            raise
        return winner, False


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
            f"`{escape_clip(clean_text(key), 40)}` is not an initiative key like INIT-12.",
            usage="/initiative KEY",
        )
    initiative = initiative_by_key(session, key)
    name = f"initiative {escape_clip(key.upper(), 40)}"
    if initiative is None:
        raise NotFound(
            _not_an_initiative(session, key, actor) or f"I know no {name}. Try `/initiative list`."
        )
    require(actor, "initiatives", verb, initiative_subject(initiative), what=name)
    return initiative


def _not_an_initiative(session: Session, key: str, actor: Actor) -> str | None:
    """Say where a story's key belongs, when its initiative is visible from here."""
    story = child_by_key(session, key)
    if story is None:
        return None
    parent = initiative_by_id(session, story.initiative_id)
    if parent is None or not may(actor, "initiatives", "view", initiative_subject(parent)):
        return None
    return (
        f"{story.key} is a story of initiative {parent.key}: `/initiative {story.key} status "
        f"Done` moves it, `/initiative {parent.key}` shows the progress."
    )


def scoped_vendors(actor: Actor, vendors: list[str]) -> list[str]:
    """Return the vendors a new initiative may name here: a vendor channel's own only."""
    if actor.scope.vendor is None:
        return vendors
    return actor.scope.restrict(vendors) if vendors else [actor.scope.vendor.slug]


def require_filed(initiative: Initiative) -> str:
    """Return the epic key, refusing changes while the epic is still being filed."""
    epic = initiative.filed_key
    if epic is None:
        raise UsageError("This initiative is still being filed; try again in a moment.")
    return epic


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
    actor: Actor,
    key: str,
    text: str,
    request_key: str,
    now: datetime,
) -> str:
    """Record a dated progress note; it goes to the epic as a comment and to the thread."""
    initiative = require_initiative(session, key, actor=actor, verb="update")
    epic = require_filed(initiative)
    if not text.strip():
        raise UsageError("Say what progressed.", usage="/initiative KEY update TEXT")
    author_id = actor.user_id
    add_note(session, initiative, text=text, author=author_id, at=now)
    day = local_today(desk, now).isoformat()
    body = {"initiative_id": initiative.id, "text": f"Progress {day} (by {author_id}): {text}"}
    _queue(session, desk, "initiative.comment", body, f"init:{epic}:comment:{request_key}")
    queue_reply(session, desk, initiative, progress_note(day=day, author_id=author_id, text=text))
    return epic


def change_status(
    *, session: Session, desk: PlanningDesk, actor: Actor, key: str, status: str, request_key: str
) -> str:
    """Queue a workflow move of the epic, or of one of its stories; return the key moved.

    A story is moved by whoever may move its initiative (the tracker need not be Jira).
    """
    if not status.strip():
        raise UsageError("Name the new status.", usage='/initiative KEY status "In Progress"')
    story = child_by_key(session, key) if ISSUE_KEY.match(key) else None
    if story is not None and initiative_by_key(session, key) is None:
        parent = initiative_by_id(session, story.initiative_id)
        if parent is not None:
            name = f"story {escape_clip(story.key, 40)}"
            require(actor, "initiatives", "status", initiative_subject(parent), what=name)
            body = {"initiative_id": parent.id, "story_key": story.key, "status": status.strip()}
            _queue(
                session, desk, "initiative.story_status", body, f"story:{story.key}:{request_key}"
            )
            return story.key
    initiative = require_initiative(session, key, actor=actor, verb="status")
    epic = require_filed(initiative)
    body = {"initiative_id": initiative.id, "status": status.strip()}
    _queue(session, desk, "initiative.transition", body, f"init:{epic}:status:{request_key}")
    return epic


def link_escalation(
    *, session: Session, desk: PlanningDesk, actor: Actor, key: str, issue_key: str
) -> str:
    """Keep an escalation as evidence for the initiative and link the two issues."""
    initiative = require_initiative(session, key, actor=actor, verb="link")
    epic = require_filed(initiative)
    if not ISSUE_KEY.match(issue_key):
        raise UsageError("Name an issue key.", usage="/initiative KEY link ESC-123")
    # The evidence must be visible from here too: no linking another vendor's escalation.
    require_escalation(session, actor=actor, verb="view", key=issue_key)
    linked = issue_key.upper()
    add_link(session, initiative, issue_key=linked, added_by=actor.user_id)
    add_note(session, initiative, kind="link", text=linked, author=actor.user_id)
    body = {"initiative_id": initiative.id, "issue_key": linked}
    _queue(session, desk, "initiative.link", body, f"init:{epic}:link:{linked}")
    queue_reply(session, desk, initiative, f"🔗 Escalation {linked} linked as evidence.")
    return epic


def add_child(
    *, session: Session, desk: PlanningDesk, actor: Actor, key: str, summary: str, request_key: str
) -> str:
    """Queue a story under the epic."""
    initiative = require_initiative(session, key, actor=actor, verb="child")
    epic = require_filed(initiative)
    if not summary.strip():
        raise UsageError("Give the story a summary.", usage='/initiative KEY child "summary"')
    body = {"initiative_id": initiative.id, "summary": summary.strip()[:255], "by": actor.user_id}
    _queue(session, desk, "initiative.child", body, f"init:{epic}:child:{request_key}")
    return epic


def assess_now(desk: PlanningDesk, initiative: Initiative, now: datetime) -> Risk:
    """Judge the initiative with the desk's thresholds."""
    return assess(
        initiative,
        now=now,
        today=local_today(desk, now),
        near_days=desk.near_days,
        stale_days=desk.stale_days,
    )
