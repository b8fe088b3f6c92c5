"""The "kb" digest section: articles overdue for review, for the weekly team summary."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.kb.service import stale_articles
from commands.kb.views import stale_line
from commands.scope import ChannelScope

ORDER = 45
MAX_LINES = 10


class KbDigestSource:
    """List stale articles in the team's digest (vendor digests carry training instead)."""

    key = "kb"

    def __init__(self, *, review_days: int) -> None:
        self.review_days = review_days

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the articles not reviewed within the review period, or None."""
        if window.vendor_slug is not None:
            return None
        today = window.now.astimezone(ZoneInfo(window.timezone)).date()
        rows = stale_articles(
            session=session,
            scope=ChannelScope(vendor=None),
            today=today,
            review_days=self.review_days,
        )
        if not rows:
            return None
        return DigestSection(
            key=self.key,
            title=f"Knowledge base: not reviewed in {self.review_days} days",
            lines=tuple(stale_line(a, today=today) for a in rows[:MAX_LINES]),
            order=ORDER,
            total_items=len(rows),
        )
