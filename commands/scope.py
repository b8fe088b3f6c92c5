"""Vendor scoping: in a channel bound to a vendor, every answer is about that vendor only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.mrkdwn import escape_clip
from integrations.errors import NotAllowed
from storage.vendors import Vendor, vendor_for_channel


@dataclass(frozen=True)
class ChannelScope:
    """The vendor a channel is bound to, or None for an unrestricted (team) channel."""

    vendor: Vendor | None

    def restrict(self, requested: list[str]) -> list[str]:
        """Return the vendor filter to apply; refuse other vendors in a bound channel."""
        if self.vendor is None:
            return requested
        slug = self.vendor.slug
        others = [v for v in requested if v.lower() != slug.lower()]
        if others:
            raise NotAllowed(
                f"This channel is bound to vendor {escape_clip(self.vendor.name, 80)}; "
                "it shows that vendor's data only."
            )
        return [slug]

    def allows(self, vendor_slug: str | None) -> bool:
        """Tell whether a record about `vendor_slug` may be shown here."""
        return self.vendor is None or (vendor_slug or "").lower() == self.vendor.slug.lower()


# The team's own view (summaries, jobs): no vendor restriction.
TEAM = ChannelScope(vendor=None)


def scope_for_channel(session: Session, channel_id: str | None) -> ChannelScope:
    """Look up the channel's vendor binding."""
    if not channel_id:
        return ChannelScope(vendor=None)
    return ChannelScope(vendor=vendor_for_channel(session, channel_id))
