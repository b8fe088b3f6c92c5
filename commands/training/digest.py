"""The "training" digest section: a vendor's rollouts not yet confirmed as trained."""

from __future__ import annotations

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.kb.views import article_ref
from commands.training.service import vendor_today
from commands.training.views import state_text
from storage.kb import articles_by_ids
from storage.training import list_rollouts

ORDER = 35
MAX_LINES = 10


class TrainingDigestSource:
    """Open rollouts in the vendor's check-in digest (the team summary has none)."""

    key = "training"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the vendor's unconfirmed rollouts, or None."""
        if window.vendor_slug is None:
            return None
        rows = list_rollouts(session, vendor_slugs=[window.vendor_slug], open_only=True)
        if not rows:
            return None
        today, _ = vendor_today(session, window.vendor_slug, window.now)
        articles = articles_by_ids(session, sorted({r.article_id for r in rows}))
        lines = tuple(
            f"{article_ref(articles[r.article_id])} — {state_text(r, today=today)}"
            for r in rows[:MAX_LINES]
            if r.article_id in articles
        )
        return DigestSection(
            key=self.key,
            title="Training to confirm",
            lines=lines,
            order=ORDER,
            total_items=len(rows),
        )
