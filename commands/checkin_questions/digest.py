"""The "From the vendor" digest section: the counterparts' answers to this digest's questions."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from commands.checkin_questions.service import answer_rows
from commands.checkin_questions.views import answer_lines
from commands.digest import DigestSection, DigestWindow
from storage.checkin_questions import prompts_between

ORDER = 5  # first: the vendor's own words lead their digest
SAME_DIGEST = timedelta(hours=1)  # a run posted late still finds its prompts


class VendorAnswersSource:
    """Digest source "answers": a vendor digest only (the team summary has no counterparts)."""

    key = "answers"

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return the answers to the prompts of the digest firing at `window.now`."""
        if window.vendor_slug is None:
            return None
        prompts = prompts_between(
            session,
            start=window.now - SAME_DIGEST,
            end=window.now + SAME_DIGEST,
            vendor_slug=window.vendor_slug,
        )
        if not prompts:
            return None
        latest = max(p.fire_time for p in prompts)
        lines = answer_lines(answer_rows(session, [p for p in prompts if p.fire_time == latest]))
        return DigestSection(
            key=self.key,
            title="From the vendor",
            lines=tuple(lines),
            order=ORDER,
            total_items=len(lines),
        )
