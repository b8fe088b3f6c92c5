"""The time window a digest or summary covers, shared by check-ins, summary and suggestions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.digest import DigestWindow

WINDOW_DAYS = 7


def digest_window(*, vendor_slug: str | None, now: datetime, timezone: str) -> DigestWindow:
    """Return the week before `now` (local days up to yesterday) in `timezone`."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    end = today - timedelta(days=1)
    return DigestWindow(
        vendor_slug=vendor_slug,
        start=end - timedelta(days=WINDOW_DAYS - 1),
        end=end,
        now=now,
        timezone=timezone,
    )
