"""The "escalations" digest section: open escalations involving the vendor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.digest import DigestSection, DigestWindow
from commands.escalations.model import PolicyAreas
from commands.escalations.views import escalation_line
from storage.escalations import list_escalations

MAX_LINES = 8


@dataclass
class EscalationDigestSource:
    """Open escalations (severity, age, status, link), SEV1 first then oldest first."""

    areas: PolicyAreas
    key: str = "escalations"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the open escalations for the window's vendor (all for the team summary)."""
        vendors = [window.vendor_slug] if window.vendor_slug else None
        found = list_escalations(session, open_only=True, vendors=vendors)
        lines = tuple(escalation_line(e, self.areas, now=window.now) for e in found[:MAX_LINES])
        return DigestSection(
            key=self.key,
            title="Open escalations",
            lines=lines,
            order=20,
            total_items=len(found),
            empty_text="No open escalations.",
        )
