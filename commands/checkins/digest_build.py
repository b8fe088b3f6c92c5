"""Collect a vendor's digest: the window it covers and every registered source's section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.checkins.digest_view import render_digest
from commands.digest import DigestSection, DigestSource, DigestWindow
from storage.vendors import Vendor

WINDOW_DAYS = 7


@dataclass(frozen=True)
class DigestContent:
    """A rendered digest, ready to post."""

    window: DigestWindow
    sections: list[DigestSection]
    message: dict[str, Any]  # text and blocks


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


def collect_sections(
    *, session: Session, sources: Sequence[DigestSource], window: DigestWindow
) -> list[DigestSection]:
    """Ask every source for its section, in the sections' order."""
    sections = [s.section(session=session, window=window) for s in sources]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)


def build_digest(
    *,
    session: Session,
    sources: Sequence[DigestSource],
    vendor: Vendor,
    now: datetime,
    timezone: str,
    preview: bool = False,
) -> DigestContent:
    """Build and render the vendor's digest as of `now`."""
    window = digest_window(vendor_slug=vendor.slug, now=now, timezone=timezone)
    sections = collect_sections(session=session, sources=sources, window=window)
    message = render_digest(
        vendor_name=vendor.name, window=window, sections=sections, preview=preview
    )
    return DigestContent(window=window, sections=sections, message=message)
