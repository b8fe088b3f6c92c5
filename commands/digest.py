"""Digest sections: each feature contributes one to vendor check-ins and the team summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlmodel import Session


@dataclass(frozen=True)
class DigestWindow:
    """What a digest covers: the vendor (None = whole team), the days, and when it runs."""

    vendor_slug: str | None
    start: date  # first day included, in the digest's time zone
    end: date  # last day included
    now: datetime  # aware; the digest's fire time
    timezone: str


@dataclass(frozen=True)
class DigestSection:
    """One titled part of a digest, ready to render: lines are mrkdwn, user text escaped."""

    key: str  # stable id, e.g. "kpi", "escalations", "initiatives", "actions", "topics"
    title: str
    lines: tuple[str, ...]
    order: int  # lower first
    total_items: int = 0  # items before truncation, so the view can say "and N more"
    more_link: str | None = None
    empty_text: str | None = None  # shown when lines is empty; None hides the section
    chart_png: bytes | None = field(default=None, repr=False)


class DigestSource(Protocol):
    """A feature that can describe its part of a window (no Slack, no HTTP, just data)."""

    key: str

    def section(self, *, session: Session, window: DigestWindow) -> DigestSection | None:
        """Return this feature's section for `window`, or None when it has nothing to say."""
        ...


def collect_sections(
    *, session: Session, sources: Sequence[DigestSource], window: DigestWindow
) -> list[DigestSection]:
    """Ask every source for its section, in the sections' order."""
    sections = [s.section(session=session, window=window) for s in sources]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
