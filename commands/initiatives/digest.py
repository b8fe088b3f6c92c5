"""The "initiatives" digest section: initiatives at risk, and those that moved this week."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from commands.digest import DigestSection, DigestWindow
from commands.initiatives.desk import PlanningDesk
from commands.initiatives.risk import assess
from commands.initiatives.views import progress_text
from commands.mrkdwn import escape, escape_clip
from storage.initiatives import Initiative, InitiativeNote, list_initiatives

ORDER = 30


class InitiativeDigestSource:
    """Describe initiatives for a digest window (a vendor's, or the whole team's)."""

    key = "initiatives"

    def __init__(self, desk: PlanningDesk) -> None:
        self.desk = desk

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return at-risk and progressed initiatives, or None when there are none."""
        rows = [
            i
            for i in list_initiatives(session)
            if window.vendor_slug is None
            or window.vendor_slug.lower() in [v.lower() for v in i.vendors]
        ]
        if not rows:
            return None
        zone = ZoneInfo(window.timezone)
        start = datetime.combine(window.start, time(0), zone)
        end = datetime.combine(window.end + timedelta(days=1), time(0), zone)
        moved = _progressed(session, [i.id or 0 for i in rows], start, end)
        today = window.now.astimezone(zone).date()
        risky: list[str] = []
        progressed: list[str] = []
        for initiative in rows:
            risk = assess(
                initiative,
                now=window.now,
                today=today,
                near_days=self.desk.near_days,
                stale_days=self.desk.stale_days,
            )
            name = f"*{escape(initiative.display_key)}* {escape_clip(initiative.title, 120)}"
            if risk.at_risk:
                risky.append(f"🚩 {name} — " + escape("; ".join(risk.reasons)))
            elif initiative.id in moved:
                progressed.append(f"📈 {name} — {progress_text(initiative)}")
        lines = tuple(risky + progressed)
        if not lines:
            return None
        return DigestSection(
            key=self.key, title="Initiatives", lines=lines, order=ORDER, total_items=len(lines)
        )


def _progressed(session: Session, ids: list[int], start: datetime, end: datetime) -> set[int]:
    statement = select(InitiativeNote.initiative_id).where(
        col(InitiativeNote.initiative_id).in_(ids),
        col(InitiativeNote.at) >= start,
        col(InitiativeNote.at) < end,
    )
    return {int(i) for i in session.exec(statement)}


def at_risk_initiatives(*, session: Session, desk: PlanningDesk, now: datetime) -> list[Initiative]:
    """Return the open initiatives at risk as of `now`."""
    today = now.astimezone(ZoneInfo(desk.timezone)).date()
    return [
        i
        for i in list_initiatives(session)
        if assess(
            i, now=now, today=today, near_days=desk.near_days, stale_days=desk.stale_days
        ).at_risk
    ]
