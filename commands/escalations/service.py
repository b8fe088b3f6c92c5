"""Escalation services: file, change and list escalations; tracker work goes to the outbox."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from sqlmodel import Session

from commands.escalations.model import EscalationInput, PolicyAreas
from commands.escalations.parsing import ListFilter, parse_modal
from commands.mrkdwn import escape_clip
from commands.permissions import Actor, Subject, may, require
from commands.scope import ChannelScope
from commands.vendors.service import require_vendor
from integrations.errors import NotFound, UsageError
from integrations.outbox import OutboxWorker
from integrations.tracker.base import Tracker
from integrations.tracker.filing import TrackerDesk, create_then_queue
from storage.engine import SessionFactory, in_worker
from storage.escalations import (
    Escalation,
    EscalationEvent,
    escalation_by_dedupe_key,
    escalation_by_id,
    escalation_by_key,
    events_for,
    list_escalations,
    open_escalations_about,
    recent_duplicate,
    record_event,
)
from storage.types import utcnow
from storage.vendors import list_vendors

T = TypeVar("T")

DUPLICATE_WINDOW = timedelta(minutes=10)
# How alike two titles must be for the filer to be warned of the open one: characters in
# order (difflib's ratio), or words shared (Jaccard over words of three letters or more).
SIMILAR_RATIO, SIMILAR_WORDS = 0.75, 0.5
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
class EscalationDesk(TrackerDesk):
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
    not_configured: ClassVar[str] = NOT_CONFIGURED

    async def run(self, sessions: SessionFactory, work: Callable[[Session], T]) -> T:
        """Run `work` as one unit of work on a worker thread, then wake the outbox.

        The commit (in the worker) comes before the wake, so the jobs `work` queued are
        visible to the outbox when it looks.
        """
        result = await in_worker(sessions, work)
        self.outbox.wake()
        return result


@dataclass(frozen=True)
class Filing:
    """A filing's outcome: the escalation, whether it is new, and similar open ones."""

    escalation: Escalation
    created: bool
    similar: tuple[Escalation, ...] = ()


def domain_key(*, reporter_id: str, data: EscalationInput) -> str:
    """Return reporter+title+area+severity+vendor hashed, bucketed in the duplicate window."""
    bucket = int(utcnow().timestamp() // DUPLICATE_WINDOW.total_seconds())
    # The vendor is part of the key: the same title about two vendors is two escalations.
    vendor = (data.vendor or "").lower()
    raw = f"{reporter_id}|{data.title.strip().lower()}|{data.area}|{data.severity}|{vendor}"
    return f"fp:{hashlib.sha256(raw.encode()).hexdigest()[:32]}:{bucket}"


def vendor_choices(session: Session, scope: ChannelScope) -> list[tuple[str, str]]:
    """Return the (slug, name) vendors this channel may file about."""
    return [(v.slug, v.name) for v in list_vendors(session) if scope.allows(v.slug)]


def resolve_vendor(session: Session, scope: ChannelScope, data: EscalationInput) -> None:
    """Check the vendor exists and fits the channel; a vendor channel's vendor is the default."""
    if data.vendor is None:
        data.vendor = scope.vendor.slug if scope.vendor else None
        return
    vendor = require_vendor(session, data.vendor)
    data.vendor = scope.restrict([vendor.slug])[0]


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
    The caller's unit of work commits; a concurrent twin's win rolls this one back.
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
        **data.stored_fields(),
        reporter_id=reporter_id,
        reporter_name=reporter_name,
        origin_channel_id=origin_channel_id,
        source_permalink=source_permalink,
        dedupe_key=dedupe_key,
        tracker=desk.tracker.name,
        channel_id=desk.channel_id or origin_channel_id,
    )
    escalation, created = create_then_queue(
        session, desk.outbox, escalation, family="escalation", key_prefix="esc"
    )
    if created:
        record_event(session, escalation, kind="created", to_value=data.title, actor=reporter_name)
        desk.outbox.wake()  # for callers that commit at once; `EscalationDesk.run` wakes after
    return escalation, created


def file_for(
    *,
    session: Session,
    desk: EscalationDesk,
    actor: Actor,
    data: EscalationInput,
    reporter_name: str,
    dedupe_key: str | None = None,
    source_permalink: str | None = None,
) -> Filing:
    """File from Slack as `actor`, from their channel; name the similar open escalations.

    The vendor must exist and fit the channel (a vendor channel's own is the default), and
    the similar ones are looked for among what this channel may see, about the same vendor.
    """
    require(actor, "escalations", "file")
    resolve_vendor(session, actor.scope, data)
    escalation, created = file_escalation(
        session=session,
        desk=desk,
        data=data,
        reporter_id=actor.user_id,
        reporter_name=reporter_name,
        origin_channel_id=actor.channel_id,
        dedupe_key=dedupe_key or domain_key(reporter_id=actor.user_id, data=data),
        source_permalink=source_permalink,
    )
    if not created:
        return Filing(escalation, created=False)
    candidates = [
        e
        for e in open_escalations_about(session, vendor=escalation.vendor, exclude_id=escalation.id)
        if actor.scope.allows(e.vendor)
    ]
    return Filing(escalation, created=True, similar=similar_titles(escalation.title, candidates))


def _words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", title.casefold()) if len(w) > 2}


def similar_titles(
    title: str, candidates: list[Escalation], *, limit: int = 3
) -> tuple[Escalation, ...]:
    """Return up to `limit` candidates whose title reads like `title`, most alike first.

    Alike: most of the characters in order (difflib's ratio), or most of the words shared.
    """
    wanted, words = title.casefold().strip(), _words(title)
    scored: list[tuple[float, int, Escalation]] = []
    for candidate in candidates:
        other = candidate.title.casefold().strip()
        ratio = difflib.SequenceMatcher(None, wanted, other).ratio()
        theirs = _words(candidate.title)
        overlap = len(words & theirs) / len(words | theirs) if words and theirs else 0.0
        if ratio >= SIMILAR_RATIO or overlap >= SIMILAR_WORDS:
            scored.append((max(ratio, overlap), -(candidate.id or 0), candidate))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return tuple(candidate for _, _, candidate in scored[:limit])


def filing_form(
    *,
    session: Session,
    desk: EscalationDesk,
    actor: Actor,
    values: dict[str, Any],
    reporter_name: str,
    view_id: str,
    source_permalink: str | None,
) -> tuple[Filing | None, dict[str, str]]:
    """File from the modal's values; or return the errors by block id (nothing is stored)."""
    if not may(actor, "escalations", "file"):
        return None, {"title": "You cannot file escalations."}
    known = {slug for slug, _ in vendor_choices(session, actor.scope)}
    data, errors = parse_modal(values, desk.areas, known)
    if data is None:
        return None, errors
    filing = file_for(
        session=session,
        desk=desk,
        actor=actor,
        data=data,
        reporter_name=reporter_name,
        dedupe_key=f"view:{view_id}",
        source_permalink=source_permalink,
    )
    return filing, {}


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


def require_filed(escalation: Escalation) -> None:
    """Refuse a change the tracker cannot take yet (the issue is still being filed)."""
    if escalation.filed_key is None:
        raise UsageError("This escalation is still being filed; try again in a moment.")


@dataclass(frozen=True)
class Detail:
    """One escalation and its history, oldest first."""

    escalation: Escalation
    events: tuple[EscalationEvent, ...]


def escalation_detail_for(*, session: Session, actor: Actor, key: str) -> Detail:
    """Return the escalation `key` with its timeline, if `actor` may see it from here."""
    escalation = require_escalation(session, actor=actor, verb="view", key=key)
    return Detail(escalation, tuple(events_for(session, escalation.id or 0)))


def list_for(
    *, session: Session, desk: EscalationDesk, actor: Actor, flt: ListFilter
) -> list[Escalation]:
    """Return the escalations `flt` asks for, within what the channel may see."""
    vendors = actor.scope.restrict([require_vendor(session, flt.vendor).slug] if flt.vendor else [])
    return list_escalations(
        session,
        open_only=flt.open_only,
        severity=flt.severity,
        area=flt.area,
        vendors=vendors or None,
        involving_user=actor.user_id if flt.mine else None,
    )
