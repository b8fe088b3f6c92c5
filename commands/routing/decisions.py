"""What the team does with a routing suggestion: open it as an initiative, or dismiss it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import InitiativeInput, create_initiative
from commands.routing.analysis import RoutingAnalysis, Suggestion
from commands.scope import ChannelScope
from integrations.errors import NotFound, UsageError
from storage.initiatives import Initiative
from storage.routing_suggestions import (
    DISMISSED,
    OPEN,
    OPENED,
    RoutingSuggestion,
    get_suggestion,
    suggestion_for,
)


@dataclass(frozen=True)
class ShownSuggestion:
    """A suggestion as the answer shows it: its figures, stored id and state."""

    suggestion: Suggestion
    stored_id: int
    state: str


def remember_suggestions(
    *,
    session: Session,
    analysis: RoutingAnalysis,
    scope: ChannelScope,
    window_label: str,
    now: datetime,
) -> list[ShownSuggestion]:
    """Store each suggestion's latest evidence; leave out the ones the team dismissed."""
    vendor_slug = scope.vendor.slug if scope.vendor is not None else ""
    shown: list[ShownSuggestion] = []
    for s in analysis.suggestions:
        row = _stored(session, s, vendor_slug)
        if row.state == DISMISSED:
            continue
        row.share, row.cases, row.cases_per_week = s.share, s.cases, s.cases_per_week
        row.hours_saved_per_week, row.delay_hours = s.hours_saved_per_week, s.delay_hours
        row.window_label, row.updated_at = window_label[:80], now
        session.add(row)
        session.flush()
        shown.append(ShownSuggestion(s, row.id or 0, row.state))
    return shown


def _stored(session: Session, s: Suggestion, vendor_slug: str) -> RoutingSuggestion:
    key = {"reason": s.reason, "from_queue": s.from_queue, "to_queue": s.to_queue}
    row = suggestion_for(session, vendor_slug=vendor_slug, **key)
    if row is not None:
        return row
    fresh = RoutingSuggestion(
        reason=s.reason,
        from_queue=s.from_queue,
        to_queue=s.to_queue,
        vendor_slug=vendor_slug,
        share=s.share,
        cases=s.cases,
        cases_per_week=s.cases_per_week,
        hours_saved_per_week=s.hours_saved_per_week,
        delay_hours=s.delay_hours,
        window_label="",
    )
    try:
        with session.begin_nested():  # a concurrent /routing may store the same one first
            session.add(fresh)
        return fresh
    except IntegrityError:
        row = suggestion_for(session, vendor_slug=vendor_slug, **key)
        assert row is not None
        return row


def _require(session: Session, ident: str, scope: ChannelScope) -> RoutingSuggestion:
    row = get_suggestion(session, int(ident)) if ident.isdigit() else None
    # A vendor channel acts on its own vendor's suggestions only, checked from stored data.
    if row is None or (scope.vendor is not None and row.vendor_slug != scope.vendor.slug):
        raise NotFound("That routing suggestion is not known here.")
    return row


def evidence_text(row: RoutingSuggestion) -> str:
    """Return the evidence an initiative carries (plain text; the tracker escapes it)."""
    scope = f" for vendor {row.vendor_slug}" if row.vendor_slug else ""
    return (
        f"{row.share:.0%} of the {row.reason} cases first routed to {row.from_queue}{scope} "
        f"end in {row.to_queue} ({row.cases} cases, {row.window_label}; "
        f"{row.cases_per_week:.1f} cases/week). Each took {row.delay_hours:+.1f} h more to "
        f"solve than correctly routed {row.reason} cases: about "
        f"{row.hours_saved_per_week:.1f} hours a week would be saved by routing them to "
        f"{row.to_queue} directly."
    )


def open_as_initiative(
    *,
    session: Session,
    desk: PlanningDesk,
    ident: str,
    scope: ChannelScope,
    user_id: str,
    channel_id: str | None,
    now: datetime,
) -> tuple[RoutingSuggestion, Initiative]:
    """File the suggestion as an initiative with its evidence; a second click files nothing."""
    row = _require(session, ident, scope)
    if row.state == DISMISSED:
        raise UsageError("This suggestion was dismissed.")
    title = f"Route {row.reason} to {row.to_queue} instead of {row.from_queue}"
    initiative, _new = create_initiative(
        session=session,
        desk=desk,
        data=InitiativeInput(
            title=title[:200],
            goal=evidence_text(row),
            owner_id=user_id,
            vendors=[row.vendor_slug] if row.vendor_slug else [],
        ),
        user_id=user_id,
        origin_channel_id=channel_id,
        dedupe_key=f"routing-suggestion:{row.id}",
    )
    row = _require(session, ident, scope)
    row.state, row.initiative_id = OPENED, initiative.id
    row.decided_by, row.decided_at = user_id, now
    session.add(row)
    session.flush()
    return row, initiative


def dismiss(
    *, session: Session, ident: str, scope: ChannelScope, user_id: str, now: datetime
) -> RoutingSuggestion:
    """Hide the suggestion from later answers in this scope."""
    row = _require(session, ident, scope)
    if row.state == OPENED:
        raise UsageError("This suggestion is already an initiative.")
    if row.state == OPEN:
        row.state, row.decided_by, row.decided_at = DISMISSED, user_id, now
        session.add(row)
        session.flush()
    return row
