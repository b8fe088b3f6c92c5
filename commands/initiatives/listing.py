"""Reading initiatives: lists with verdicts, and the detail with progress from the tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.risk import Risk
from commands.initiatives.service import assess_now, require_filed, require_initiative
from commands.mrkdwn import escape_clip
from commands.permissions import Actor
from commands.vendors.service import require_vendor
from integrations.errors import UsageError
from integrations.tracker.base import IssueFilter, TrackerIssue
from storage.initiatives import (
    Initiative,
    InitiativeLink,
    InitiativeNote,
    initiative_by_id,
    links_for,
    list_initiatives,
    notes_for,
    update_children,
)


def visible_initiative(*, session: Session, actor: Actor, key: str) -> Initiative:
    """Return the filed initiative `actor` may view from here."""
    initiative = require_initiative(session, key, actor=actor, verb="view")
    require_filed(initiative)
    return initiative


async def tracker_children(desk: PlanningDesk, epic: str) -> list[TrackerIssue]:
    """Ask the tracker for the stories under `epic` (no database session is held)."""
    issues = await desk.tracker.search(IssueFilter(parent_key=epic), limit=200)
    # A search answer without fields (the status reads "?") is completed issue by issue.
    return [i if i.status != "?" else await desk.tracker.get_issue(i.key) for i in issues]


@dataclass(frozen=True)
class InitiativeDetail:
    """What `/initiative KEY` shows, read in one unit of work."""

    initiative: Initiative
    notes: list[InitiativeNote]
    links: list[InitiativeLink]


def record_children(
    *, session: Session, initiative_id: int, issues: list[TrackerIssue]
) -> InitiativeDetail | None:
    """Store the stories the tracker reported, recount progress, and read the detail."""
    initiative = initiative_by_id(session, initiative_id)
    if initiative is None:
        return None
    update_children(session, initiative, issues)
    return InitiativeDetail(
        initiative, notes_for(session, initiative_id), links_for(session, initiative_id)
    )


LIST_TITLES = {"open": "Open initiatives", "mine": "Your initiatives", "at-risk": "At risk"}


def select_initiatives(
    *,
    session: Session,
    desk: PlanningDesk,
    actor: Actor,
    mode: str,
    vendor_text: str | None,
    now: datetime,
) -> list[tuple[Initiative, Risk]]:
    """Return open initiatives for `/initiative list [mine|at-risk|vendor:…]` with verdicts.

    A vendor channel sees its vendor's initiatives only.
    """
    if mode not in LIST_TITLES:
        raise UsageError(f"`{escape_clip(mode, 30)}` is not a list.", usage="/initiative list")
    scope = actor.scope
    vendor = None
    if vendor_text is not None:
        vendor = scope.restrict([require_vendor(session, vendor_text).slug])[0]
    rows = list_initiatives(session, owner_id=actor.user_id if mode == "mine" else None)
    out: list[tuple[Initiative, Risk]] = []
    for initiative in rows:
        slugs = [v.lower() for v in initiative.vendors]
        if vendor is not None and vendor.lower() not in slugs:
            continue
        if scope.vendor is not None and scope.vendor.slug.lower() not in slugs:
            continue
        risk = assess_now(desk, initiative, now)
        if mode == "at-risk" and not risk.at_risk:
            continue
        out.append((initiative, risk))
    return out
