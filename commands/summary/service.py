"""The weekly team summary: KPI movements, escalations, initiatives, suggestions, actions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from commands.digest import DigestSection, DigestSource, DigestWindow, collect_sections
from commands.mrkdwn import escape_clip
from commands.scope import TEAM
from commands.suggestions.service import ranked
from commands.windows import digest_window
from storage.actions import open_actions
from storage.escalations import Escalation, EscalationEvent

# Sections the summary takes from the shared digest sources, in this order.
SOURCE_KEYS = ("kpi", "initiatives", "kb", "routing", "training")
ACK_KINDS = ("assignee", "status", "comment")


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def escalation_section(*, session: Session, window: DigestWindow) -> DigestSection:
    """Count escalations opened and resolved in the window, with TTA and TTR by severity."""
    zone = ZoneInfo(window.timezone)
    start = datetime.combine(window.start, time(0), zone)
    end = datetime.combine(window.end + timedelta(days=1), time(0), zone)
    opened = list(
        session.exec(
            select(Escalation).where(
                col(Escalation.created_at) >= start, col(Escalation.created_at) < end
            )
        )
    )
    resolved = list(
        session.exec(
            select(Escalation).where(
                col(Escalation.resolved_at) >= start, col(Escalation.resolved_at) < end
            )
        )
    )
    tta: dict[int, list[timedelta]] = defaultdict(list)
    ttr: dict[int, list[timedelta]] = defaultdict(list)
    for escalation in opened:
        first = session.exec(
            select(EscalationEvent)
            .where(
                col(EscalationEvent.escalation_id) == escalation.id,
                col(EscalationEvent.kind).in_(ACK_KINDS),
            )
            .order_by(col(EscalationEvent.at))
        ).first()
        if first is not None:
            tta[escalation.severity].append(first.at - escalation.created_at)
    for escalation in resolved:
        if escalation.resolved_at is not None:
            ttr[escalation.severity].append(escalation.resolved_at - escalation.created_at)
    lines = [f"Opened {len(opened)}, resolved {len(resolved)}."]
    for sev in sorted(set(tta) | set(ttr)):
        ack = (
            _hours(timedelta(seconds=median(d.total_seconds() for d in tta[sev])))
            if tta[sev]
            else "–"
        )
        res = (
            _hours(timedelta(seconds=median(d.total_seconds() for d in ttr[sev])))
            if ttr[sev]
            else "–"
        )
        lines.append(f"SEV{sev}: median time to acknowledge {ack}, to resolve {res}")
    return DigestSection(key="escalations", title="Escalations", lines=tuple(lines), order=20)


def suggestion_section(*, session: Session, limit: int = 3) -> DigestSection | None:
    """Return the top open suggestions."""
    rows = ranked(session=session, mode="top", user_id="", scope=TEAM)[:limit]
    if not rows:
        return None
    lines = tuple(
        f"#{s.id} {escape_clip(s.text, 150)} — "
        + ("unscored" if s.rice is None else f"RICE {s.rice:.1f}")
        + f", {s.votes} votes"
        for s in rows
    )
    return DigestSection(key="suggestions", title="Top suggestions", lines=lines, order=40)


def overdue_section(*, session: Session, window: DigestWindow) -> DigestSection | None:
    """Return action items past their due day."""
    today = window.now.astimezone(ZoneInfo(window.timezone)).date()
    items = open_actions(session, due_before=today)
    if not items:
        return None
    lines = tuple(
        f"<@{a.owner_id}> {escape_clip(a.text, 150)} (due {a.due.isoformat()})" for a in items
    )
    return DigestSection(
        key="overdue",
        title="Overdue action items",
        lines=lines[:15],
        order=50,
        total_items=len(lines),
    )


def build_summary(
    *, session: Session, sources: Sequence[DigestSource], now: datetime, timezone: str
) -> tuple[DigestWindow, list[DigestSection]]:
    """Collect every section of the team summary for the week before `now`."""
    window = digest_window(vendor_slug=None, now=now, timezone=timezone)
    shared = [s for s in sources if s.key in SOURCE_KEYS]
    sections = collect_sections(session=session, sources=shared, window=window)
    sections.append(escalation_section(session=session, window=window))
    for extra in (
        suggestion_section(session=session),
        overdue_section(session=session, window=window),
    ):
        if extra is not None:
            sections.append(extra)
    return window, sorted(sections, key=lambda s: s.order)
