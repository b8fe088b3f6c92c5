"""Suggestion services: record, edit, score, vote, rank, promote; no Slack in here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from commands.digest import DigestSection
from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import require_filed, require_initiative
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, require
from commands.scope import ChannelScope
from commands.slash_text import parse_row_id
from commands.suggestions.story import derive_story
from integrations.errors import NotFound, UsageError
from storage.initiatives import initiative_by_key, links_for
from storage.suggestions import (
    NEW,
    PROMOTED,
    PROMOTING,
    Suggestion,
    add_suggestion,
    cast_vote,
    list_suggestions,
    suggestion_by_id,
)
from storage.types import utcnow
from storage.vendors import vendor_for_channel

IMPACTS = (0.25, 0.5, 1.0, 2.0, 3.0)  # minimal, low, medium, high, massive
CONFIDENCES = (0.5, 0.8, 1.0)
ISSUE_KEY = re.compile(r"\b[A-Z][A-Z0-9_]+-\d+\b")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


@dataclass
class StoryEdit:
    """What the "Edit story" modal submits."""

    role: str
    capability: str
    benefit: str
    criteria: list[str]
    reach: float | None = None
    impact: float | None = None
    confidence: float | None = None
    effort: float | None = None


def record_suggestion(
    *, session: Session, text: str, author_id: str, channel_id: str | None, dedupe_key: str
) -> Suggestion:
    """Store a suggestion with its derived draft story."""
    cleaned = " ".join(text.split())
    if len(cleaned) < 5:
        raise UsageError("Say what should improve.", usage="/suggest TEXT")
    story = derive_story(cleaned)
    return add_suggestion(
        session,
        Suggestion(
            dedupe_key=dedupe_key,
            text=cleaned[:3000],
            author_id=author_id,
            channel_id=channel_id,
            role=story.role[:200],
            capability=story.capability[:1000],
            benefit=story.benefit[:1000],
            criteria=list(story.criteria),
        ),
    )


def suggestion_subject(session: Session, suggestion: Suggestion) -> Subject:
    """Return what the permissions policy needs: its author, and the vendor of its channel.

    A suggestion filed in a vendor-bound channel belongs to that vendor.
    """
    vendor = vendor_for_channel(session, suggestion.channel_id) if suggestion.channel_id else None
    return Subject(vendors=(vendor.slug,) if vendor else (), reporter=suggestion.author_id)


def require_suggestion(session: Session, ident: str, *, actor: Actor, verb: str) -> Suggestion:
    """Return the suggestion `#12` or `12` that `actor` may `verb` from here, or NotFound."""
    number = parse_row_id(ident, "The suggestion's number", usage="/suggest promote N")
    suggestion = suggestion_by_id(session, number)
    name = f"suggestion #{number}"
    if suggestion is None:
        raise NotFound(f"I know no {name}. Try `/suggest list`.")
    require(actor, "suggestions", verb, suggestion_subject(session, suggestion), what=name)
    return suggestion


def check_score(
    *,
    reach: float | None,
    impact: float | None,
    confidence: float | None,
    effort: float | None,
) -> dict[str, str]:
    """Return per-field problems with a RICE score (empty when it is fine)."""
    errors: dict[str, str] = {}
    if reach is not None and reach < 0:
        errors["reach"] = "Reach is a count of people or cases; 0 or more."
    if impact is not None and impact not in IMPACTS:
        errors["impact"] = "Impact is one of 0.25, 0.5, 1, 2, 3."
    if confidence is not None and not 0 < confidence <= 1:
        errors["confidence"] = "Confidence is a fraction: 0.5, 0.8 or 1."
    if effort is not None and effort <= 0:
        errors["effort"] = "Effort is person-weeks, more than 0."
    return errors


def apply_edit(*, session: Session, suggestion: Suggestion, edit: StoryEdit) -> None:
    """Save the edited story and score."""
    errors = check_score(
        reach=edit.reach, impact=edit.impact, confidence=edit.confidence, effort=edit.effort
    )
    if errors:
        raise UsageError(" ".join(errors.values()))
    suggestion.role = edit.role.strip()[:200] or suggestion.role
    suggestion.capability = edit.capability.strip()[:1000] or suggestion.capability
    suggestion.benefit = edit.benefit.strip()[:1000] or suggestion.benefit
    suggestion.criteria = [c.strip() for c in edit.criteria if c.strip()][:20]
    suggestion.reach, suggestion.impact = edit.reach, edit.impact
    suggestion.confidence, suggestion.effort = edit.confidence, edit.effort
    suggestion.updated_at = utcnow()
    session.add(suggestion)


def set_score(*, session: Session, suggestion: Suggestion, field: str, value: float) -> None:
    """Set one RICE factor (from a button or menu on the card)."""
    if field not in ("reach", "impact", "confidence", "effort"):
        raise UsageError(f"{escape_clip(field, 20)} is not part of a RICE score.")
    errors = check_score(
        **{"reach": None, "impact": None, "confidence": None, "effort": None, field: value}
    )
    if errors:
        raise UsageError(" ".join(errors.values()))
    setattr(suggestion, field, value)
    suggestion.updated_at = utcnow()
    session.add(suggestion)


def upvote(*, session: Session, suggestion: Suggestion, user_id: str) -> bool:
    """Count `user_id`'s vote once; False when they had voted already."""
    return cast_vote(session, suggestion=suggestion, user_id=user_id)


def rank_key(suggestion: Suggestion) -> tuple[float, int, float]:
    """Sort key for "top": RICE first (unscored last), votes as the tie-breaker, then newest."""
    rice = suggestion.rice
    return (
        -(rice if rice is not None else -1.0),
        -suggestion.votes,
        -suggestion.created_at.timestamp(),
    )


def ranked(*, session: Session, mode: str, user_id: str, scope: ChannelScope) -> list[Suggestion]:
    """Return suggestions for `/suggest list [top|new|mine]`, in the channel's scope.

    A vendor channel sees the suggestions filed in it only (the vendor's channel).
    """
    vendor = scope.vendor
    in_channel = None if vendor is None else vendor.channel_id or ""
    author = user_id if mode == "mine" else None
    rows = list_suggestions(
        session, author_id=author, open_only=mode != "mine", channel_id=in_channel
    )
    return rows if mode == "new" else sorted(rows, key=rank_key)


def promote(
    *,
    session: Session,
    desk: PlanningDesk,
    actor: Actor,
    ident: str,
    initiative_key: str | None,
) -> int:
    """Queue filing the story in the tracker, under an initiative's epic when given."""
    suggestion = require_suggestion(session, ident, actor=actor, verb="promote")
    if suggestion.state == PROMOTED:
        key = escape_clip(suggestion.issue_key or "", 40)
        raise UsageError(f"Suggestion #{suggestion.id} is already {key}.")
    parent: str | None = None
    if initiative_key:
        initiative = require_initiative(session, initiative_key, actor=actor, verb="child")
        parent = require_filed(initiative)
    suggestion.state, suggestion.initiative_key = PROMOTING, parent
    session.add(suggestion)
    desk.outbox.enqueue(
        session,
        kind="suggestion.promote",
        payload={"suggestion_id": suggestion.id},
        key=f"sugg:{suggestion.id}:promote",
    )
    return suggestion.id or 0


def vote(*, session: Session, actor: Actor, ident: str) -> tuple[Suggestion, bool]:
    """Count the actor's vote once; (the suggestion, whether the vote was new)."""
    suggestion = require_suggestion(session, ident, actor=actor, verb="vote")
    return suggestion, cast_vote(session, suggestion=suggestion, user_id=actor.user_id)


def score(*, session: Session, actor: Actor, ident: str, field: str, value: str) -> Suggestion:
    """Set one RICE factor from the card's menus (the value is checked, never trusted)."""
    suggestion = require_suggestion(session, ident, actor=actor, verb="score")
    if not _NUMBER.match(value):
        raise UsageError("A number, please.")
    set_score(session=session, suggestion=suggestion, field=field, value=float(value))
    return suggestion


def edit_story(*, session: Session, actor: Actor, ident: str, edit: StoryEdit) -> Suggestion:
    """Save the edited story and score, if `actor` may edit this suggestion from here."""
    suggestion = require_suggestion(session, ident, actor=actor, verb="edit")
    apply_edit(session=session, suggestion=suggestion, edit=edit)
    return suggestion


@dataclass(frozen=True)
class ProposalMaterial:
    """What a proposal is written from, read in one unit of work."""

    rows: list[tuple[Suggestion, list[str]]]  # top suggestions and their evidence
    kpi_lines: list[str]


def proposal_material(
    *,
    session: Session,
    scope: ChannelScope,
    user_id: str,
    wanted: int,
    kpi_section: Callable[[Session], DigestSection | None],
) -> ProposalMaterial:
    """Return the top suggestions in scope, their evidence and the KPI movements."""
    rows = ranked(session=session, mode="top", user_id=user_id, scope=scope)[:wanted]
    if not rows:
        raise UsageError("There are no open suggestions to propose.", usage="/suggest proposal [N]")
    section = kpi_section(session)
    kpi_lines = list(section.lines[:10]) if section is not None else []
    return ProposalMaterial([(s, evidence_for(session, s)) for s in rows], kpi_lines)


def evidence_for(session: Session, suggestion: Suggestion) -> list[str]:
    """Return issue keys that back the suggestion: named in it, or linked to its initiative."""
    keys = list(dict.fromkeys(ISSUE_KEY.findall(suggestion.text)))
    if suggestion.initiative_key:
        initiative = initiative_by_key(session, suggestion.initiative_key)
        if initiative is not None:
            keys += [link.issue_key for link in links_for(session, initiative.id or 0)]
    return list(dict.fromkeys(keys))


def is_open(suggestion: Suggestion) -> bool:
    """Tell whether the suggestion still waits for a decision."""
    return suggestion.state == NEW
