"""The "training" digest section: open rollouts and the week's assessments.

A vendor's check-in gets its own unconfirmed rollouts and scores; the team summary gets the
open rollouts counted per vendor and every vendor's scores. Agents appear only as counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.kb.views import article_ref
from commands.kpi.spikes import SpikeParams
from commands.mrkdwn import escape
from commands.scope import TEAM
from commands.training.scores import ScoresRequest, score_lines
from commands.training.service import vendor_today
from commands.training.views import score_line_text, state_text
from storage.kb import articles_by_ids
from storage.training import PENDING, TrainingRollout, list_rollouts

ORDER = 35
MAX_LINES = 10
WINDOW_DAYS = 7


class TrainingDigestSource:
    """Open rollouts and assessment scores, in check-in digests and the team summary."""

    key = "training"

    def __init__(self, detector: SpikeParams | None = None) -> None:
        self.detector = detector

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the window's rollouts to confirm and its week of assessments, or None."""
        vendors = [window.vendor_slug] if window.vendor_slug is not None else None
        rows = list_rollouts(session, vendor_slugs=vendors, open_only=True)
        if window.vendor_slug is not None:
            today, _ = vendor_today(session, window.vendor_slug, window.now)
            articles = articles_by_ids(session, sorted({r.article_id for r in rows}))
            lines = [
                f"To confirm: {article_ref(articles[r.article_id])} — {state_text(r, today=today)}"
                for r in rows[:MAX_LINES]
                if r.article_id in articles
            ]
            total = len(rows)
        else:
            lines = _open_per_vendor(rows, today=window.end)
            total = len({r.vendor_slug for r in rows})
        request = ScoresRequest(days=WINDOW_DAYS, vendor=window.vendor_slug, assessment=None)
        _, _, scores = score_lines(
            session=session, scope=TEAM, request=request, today=window.end, detector=self.detector
        )
        lines.extend(score_line_text(line) for line in scores[:MAX_LINES])
        if not lines:
            return None
        return DigestSection(
            key=self.key,
            title="Training",
            lines=tuple(lines),
            order=ORDER,
            total_items=total + len(scores),
        )


def _open_per_vendor(rows: list[TrainingRollout], *, today: date) -> list[str]:
    open_by_vendor = Counter(r.vendor_slug for r in rows)
    waiting = Counter(r.vendor_slug for r in rows if r.state == PENDING)
    overdue = Counter(r.vendor_slug for r in rows if r.due < today)
    return [
        f"Rollouts to confirm at *{escape(vendor)}*: {count} "
        f"({waiting[vendor]} not answered, {overdue[vendor]} overdue)"
        for vendor, count in sorted(open_by_vendor.items())[:MAX_LINES]
    ]
