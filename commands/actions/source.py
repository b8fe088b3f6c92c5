"""The "action items" digest section: what is due in the coming week and what is overdue."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.actions.views import action_line
from commands.digest import DigestSection, DigestWindow
from storage.actions import open_actions

ACTIONS_ORDER = 80
MAX_ITEMS = 15


class ActionsSource:
    """Open action items for the digest's vendor (or everyone's, for the team digest)."""

    key = "actions"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return items due within a week of the digest, overdue ones first."""
        today = window.now.astimezone(ZoneInfo(window.timezone)).date()
        vendors = [window.vendor_slug] if window.vendor_slug else None
        items = open_actions(session, vendor_slugs=vendors, due_until=today + timedelta(days=7))
        if not items:
            return DigestSection(
                key=self.key,
                title="Action items",
                lines=(),
                order=ACTIONS_ORDER,
                empty_text="_No open action items due this week._",
            )
        lines = tuple(action_line(item, today=today) for item in items[:MAX_ITEMS])
        return DigestSection(
            key=self.key,
            title="Action items due or overdue",
            lines=lines,
            order=ACTIONS_ORDER,
            total_items=len(items),
        )
