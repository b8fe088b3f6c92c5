"""The "topics for today" digest section, fed by `/checkin topic VENDOR TEXT`."""

from __future__ import annotations

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.mrkdwn import escape
from storage.checkins import open_topics
from storage.vendors import vendor_by_slug_or_name

TOPICS_ORDER = 90


class TopicsSource:
    """List the topics people added for the vendor's next check-in."""

    key = "topics"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the open topics, or None for the team digest or a vendor without any."""
        if window.vendor_slug is None:
            return None
        vendor = vendor_by_slug_or_name(session, window.vendor_slug)
        if vendor is None or vendor.id is None:
            return None
        topics = open_topics(session, vendor.id)
        if not topics:
            return None
        lines = tuple(f"• {escape(t.text)} (<@{t.added_by}>)" for t in topics)
        return DigestSection(
            key=self.key,
            title="Topics for today",
            lines=lines,
            order=TOPICS_ORDER,
            total_items=len(lines),
        )
