"""Build a vendor's digest: the window it covers and every registered source's section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from commands.checkins.digest_view import render_digest
from commands.digest import DigestSection, DigestSource, DigestWindow, collect_sections
from commands.windows import digest_window
from storage.vendors import Vendor


@dataclass(frozen=True)
class DigestContent:
    """A rendered digest, ready to post."""

    window: DigestWindow
    sections: list[DigestSection]
    message: dict[str, Any]  # text and blocks


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
