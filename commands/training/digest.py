"""The "training" digest section: a vendor's unconfirmed rollouts and its week of assessments."""

from __future__ import annotations

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.kb.views import article_ref
from commands.scope import ChannelScope
from commands.training.scores import ScoresRequest, score_lines
from commands.training.service import vendor_today
from commands.training.views import score_line_text, state_text
from storage.kb import articles_by_ids
from storage.training import list_rollouts

ORDER = 35
MAX_LINES = 10
WINDOW_DAYS = 7


class TrainingDigestSource:
    """Open rollouts in the vendor's check-in digest (the team summary has none)."""

    key = "training"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the vendor's unconfirmed rollouts and the week's assessments, or None."""
        if window.vendor_slug is None:
            return None
        rows = list_rollouts(session, vendor_slugs=[window.vendor_slug], open_only=True)
        today, _ = vendor_today(session, window.vendor_slug, window.now)
        articles = articles_by_ids(session, sorted({r.article_id for r in rows}))
        lines = [
            f"To confirm: {article_ref(articles[r.article_id])} — {state_text(r, today=today)}"
            for r in rows[:MAX_LINES]
            if r.article_id in articles
        ]
        request = ScoresRequest(days=WINDOW_DAYS, vendor=window.vendor_slug, assessment=None)
        _, _, scores = score_lines(
            session=session, scope=ChannelScope(vendor=None), request=request, today=window.end
        )
        lines.extend(score_line_text(line) for line in scores[:MAX_LINES])
        if not lines:
            return None
        return DigestSection(
            key=self.key,
            title="Training",
            lines=tuple(lines),
            order=ORDER,
            total_items=len(rows) + len(scores),
        )
